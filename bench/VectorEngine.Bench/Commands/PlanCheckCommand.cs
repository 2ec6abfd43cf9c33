using System.CommandLine;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Spectre.Console;
using VectorEngine.Bench.Datasets;
using VectorEngine.Bench.Machine;
using VectorEngine.Bench.Planning;
using VectorEngine.Bench.Runs;
using VectorEngine.Hnsw;
using VectorEngine.Indexing;

namespace VectorEngine.Bench.Commands;

/// <summary>
/// <c>bench plan-check</c>: the planner checked against sizes it was not calibrated on, in one sitting. Every size
/// (calibration and held back) is built once (with <c>--rebuild</c>, anew in each repetition with another level seed, so
/// that the spread includes the graph's); then, per repetition, each is swept on one pinned thread, the model is
/// fitted on the calibration sizes' sweeps alone, and its predictions for the held-back sizes (the knob for the recall
/// target, QPS there, index bytes) are set beside what the same repetition measured. Repetitions show the spread a
/// shared machine adds. With <c>--check-dataset</c> the held-back sizes come from another dataset, and the model is
/// first moved to it by the hardness law (<see cref="DataShift"/>): the check of <c>bench plan --data</c>.
/// </summary>
internal static class PlanCheckCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "Dataset folder (as bench ann reads it)", Required = true };
        var calibrate = new Option<int[]>("--calibrate") { Description = "Calibration sizes (three or more for a stated error)", Required = true, AllowMultipleArgumentsPerToken = true, CustomParser = ParseInts };
        var check = new Option<int[]>("--check") { Description = "Held-back sizes, each larger than every calibration size", Required = true, AllowMultipleArgumentsPerToken = true, CustomParser = ParseInts };
        var target = new Option<double>("--target-recall") { Description = "Recall@k the knob must reach", DefaultValueFactory = _ => 0.95 };
        var efs = new Option<int[]>("--efs") { Description = "ef values swept at every size", DefaultValueFactory = _ => [10, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 192, 256], AllowMultipleArgumentsPerToken = true, CustomParser = ParseInts };
        var m = new Option<int>("--m") { Description = "HNSW links per node", DefaultValueFactory = _ => 16 };
        var efConstruction = new Option<int>("--ef-construction") { Description = "HNSW build beam", DefaultValueFactory = _ => 200 };
        var repeat = new Option<int>("--repeat") { Description = "Repetitions of the sitting (sweeps, fit, comparison)", DefaultValueFactory = _ => 2 };
        var rounds = new Option<int>("--rounds") { Description = "Timing rounds per repetition, every size in turn; each setting keeps its fastest round", DefaultValueFactory = _ => 3 };
        var queries = new Option<int>("--queries") { Description = "Queries (exact ground truth per size)", DefaultValueFactory = _ => 500 };
        var k = new Option<int>("--k") { Description = "Neighbours per query", DefaultValueFactory = _ => 10 };
        var output = new Option<FileInfo?>("--out") { Description = "Write the rows and every sweep as JSON" };
        var checkDataset = new Option<string?>("--check-dataset") { Description = "Take the held-back sizes from this dataset instead, and move the model to it by its hardness (as bench plan --data does)" };
        var hardnessLaw = new Option<string?>("--hardness-law") { Description = "The law --check-dataset moves the model by (bench hardness --out); default: the one shipped with the CLI" };
        var cachedProfile = new Option<bool>("--cached-profile") { Description = "Use the cached machine profile (bench machine) instead of measuring it in each repetition, or instead of the profiles a --sweeps file saved" };
        var rebuild = new Option<bool>("--rebuild") { Description = "Build every size anew in each repetition, with another HNSW level seed (100, 101, ...): the spread then includes the graph's own, not only the timing's" };
        var shuffle = new Option<int?>("--shuffle") { Description = "Take every size as a random sample of the data (its rows in the order this seed shuffles them, sizes nested) instead of its first rows: a file kept in time order is not a sample of itself" };
        var saved = new Option<FileInfo?>("--sweeps") { Description = "Measure nothing: compare again from the sweeps a previous --out saved (the model as it is now, this machine's profile)" };
        var measureVisits = new Option<bool>("--measure-visits") { Description = "With --sweeps saved before reads were tallied: build the calibration sizes again (the saved seeds and sample) and count how their searches' scored vectors fall on the rows" };
        var command = new Command("plan-check", "Check the planner's predictions at sizes held back from its calibration, measured in the same sitting")
        {
            dataset, calibrate, check, target, efs, m, efConstruction, repeat, rounds, queries, k, output, saved, checkDataset, hardnessLaw, cachedProfile, rebuild, shuffle, measureVisits,
        };
        command.SetAction(parse =>
        {
            var settings = new Settings(parse.GetValue(dataset)!, parse.GetValue(calibrate)!, parse.GetValue(check)!, parse.GetValue(target), parse.GetValue(efs)!,
                parse.GetValue(m), parse.GetValue(efConstruction), parse.GetValue(repeat), parse.GetValue(queries), parse.GetValue(k)) { Rounds = parse.GetValue(rounds), CheckDataset = parse.GetValue(checkDataset), ProfileEachRepetition = !parse.GetValue(cachedProfile), Rebuild = parse.GetValue(rebuild), Shuffle = parse.GetValue(shuffle) };
            Validate(settings);
            if (parse.GetValue(checkDataset) is not null || parse.GetValue(hardnessLaw) is not null)
            {
                settings = settings with { Law = LawFor(parse.GetValue(hardnessLaw)) };
            }

            PlanCheckResult result = parse.GetValue(saved) is { } file0
                ? FromSaved(file0, settings, parse.GetValue(measureVisits))
                : Run(settings, line => AnsiConsole.MarkupLineInterpolated($"{line}"));
            PlanCheckTable.Print(result.Rows, settings.Target);
            if (parse.GetValue(output) is { } file)
            {
                File.WriteAllText(file.FullName, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
            }

            return 0;
        });
        return command;
    }

    /// <summary>Builds every size, then per repetition sweeps them all, fits on the calibration sizes and compares.</summary>
    /// <param name="settings">What to check.</param>
    /// <param name="say">Progress lines.</param>
    public static PlanCheckResult Run(Settings settings, Action<string> say)
    {
        Dataset data = Sample(Load(settings.Dataset, settings.Queries, "dataset"), settings.Shuffle);
        Dataset checkData = settings.CheckDataset is { } other ? Sample(Load(other, settings.Queries, "check-dataset"), settings.Shuffle) : data;
        if (settings.Check.Max() > checkData.Base.Length)
        {
            throw new VectorEngineArgumentException($"--check {settings.Check.Max()} is larger than {checkData.Name}'s {checkData.Base.Length:N0} points.", "check");
        }

        if (settings.Calibrate.Max() > data.Base.Length)
        {
            throw new VectorEngineArgumentException($"--calibrate {settings.Calibrate.Max()} is larger than {data.Name}'s {data.Base.Length:N0} points.", "calibrate");
        }

        if (settings.CheckDataset is not null && settings.Law is null)
        {
            throw new VectorEngineArgumentException("--check-dataset needs a hardness law (--hardness-law, or the one shipped with the CLI).", "hardness-law");
        }

        MachineProfile machine = settings.Machine ?? MachineProfileStore.ForPlanning();
        var profiles = new List<SittingProfile>();
        int[] sizes = [.. settings.Calibrate.Concat(settings.Check).Distinct().Order()];
        var measured = new List<MeasuredSweep>();
        var built = new List<(int Size, AnnRunner Runner, BuildResult Build, string Directory)>();
        try
        {
            for (int repetition = 1; repetition <= settings.Repeat; repetition++)
            {
                if (repetition == 1 || settings.Rebuild)
                {
                    Release(built);
                    int seed = new HnswParameters().Seed + (settings.Rebuild ? repetition - 1 : 0);
                    IndexSpec spec = new HnswParameters { M = settings.M, EfConstruction = settings.EfConstruction, Seed = seed }.ToSpec();
                    foreach (int size in sizes)
                    {
                        string directory = Path.Combine(Path.GetTempPath(), "vectorengine-plan-check-" + Guid.NewGuid().ToString("N"));
                        var runner = new AnnRunner((settings.Check.Contains(size) ? checkData : data).Prefix(size), "hnsw", spec, null, null);
                        built.Add((size, runner, runner.Build(directory), directory));
                        say($"built {size:N0} points (level seed {seed})");
                    }
                }

                Dictionary<int, List<AnnRun>> sweeps = SweepRoundRobin(built.Select(b => (b.Size, b.Runner, b.Build)).ToArray(), settings);
                measured.AddRange(sweeps.SelectMany(pair => pair.Value.Select(run => new MeasuredSweep(
                    repetition, pair.Key, Convert.ToInt32(run.SearchParams["ef"], CultureInfo.InvariantCulture), run.RecallAtK, run.Qps, run.IndexBytes,
                    run.VectorBytesPerPoint, run.DistancesPerQuery)
                {
                    Hits = settings.Check.Contains(pair.Key) ? run.HitsPerQuery : null,
                    GcPauseShare = run.GcPauseShare,
                    CpuShare = run.CpuShare,
                    VisitShares = run.VisitShares,
                })));

                // The machine's memory is measured again in each repetition, right after its sweeps: the shared VM's row
                // costs between 16 and 64 MiB moved predictions by up to 30% between profiles measured minutes apart,
                // and a check should set its prediction beside a measurement of the same minutes. Its row surface keeps
                // the fastest of as many rounds as the sweeps did.
                if (settings.Machine is null && settings.ProfileEachRepetition)
                {
                    long largest = sweeps.Values.SelectMany(runs => runs).Max(run => run.IndexBytes);
                    long probe = Math.Clamp((long)BitOperations.RoundUpToPowerOf2((ulong)largest) / 2, 16L << 20, (long)MachineProfileStore.DefaultLargestMiB << 20);
                    profiles.Add(new SittingProfile(repetition, MachineProbe.Measure(probe, TimeSpan.FromMilliseconds(MachineProfileStore.DefaultBudgetMilliseconds), measureDisk: false, rowRounds: settings.Rounds)));
                }

                say($"repetition {repetition} measured");
            }
        }
        finally
        {
            Release(built);
        }

        return Compare(data.Name, data.Dimension, measured, settings, machine, CheckOf(data, checkData), profiles) with
        {
            Measured = new CheckSettings(settings.M, settings.EfConstruction, checkData.Queries.Length, settings.K, settings.Rounds, settings.Rebuild, settings.Shuffle),
        };
    }

    /// <summary>Disposes the built databases and deletes their directories.</summary>
    private static void Release(List<(int Size, AnnRunner Runner, BuildResult Build, string Directory)> built)
    {
        foreach ((_, _, BuildResult build, string directory) in built)
        {
            build.Db.Dispose();
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        built.Clear();
    }

    /// <summary>
    /// The other dataset's name, dimension and both hardnesses, or null when the check is on the calibration's data.
    /// Both are estimated against as many points (the smaller base, at most the default 20,000): an estimate against
    /// fewer points reads a wider neighbourhood (clustered 32-d data: LID p90 12.7 against 2,000 points).
    /// </summary>
    private static CrossCheck? CheckOf(Dataset data, Dataset checkData)
    {
        if (ReferenceEquals(data, checkData))
        {
            return null;
        }

        int reference = Math.Min(Math.Min(data.Base.Length, checkData.Base.Length), 20_000);
        return new CrossCheck(checkData.Name, checkData.Dimension,
            DataHardness.Estimate(data.Base, data.Metric == DistanceMetric.Cosine, reference: reference),
            DataHardness.Estimate(checkData.Base, checkData.Metric == DistanceMetric.Cosine, reference: reference));
    }

    private static Dataset Sample(Dataset data, int? shuffle) => shuffle is { } seed ? data.Shuffled(seed) : data;

    private static Dataset Load(string path, int queries, string option)
    {
        try
        {
            return Dataset.Load(path, queries);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or JsonException or UnauthorizedAccessException)
        {
            throw new VectorEngineArgumentException($"--{option}: {e.Message}", option);
        }
    }

    private static HardnessLaw LawFor(string? path) =>
        path is not null ? HardnessLaw.Load(path)
        : File.Exists(HardnessCommand.DefaultLawPath) ? HardnessLaw.Load(HardnessCommand.DefaultLawPath)
        : throw new VectorEngineArgumentException($"--check-dataset needs a hardness law: none at {HardnessCommand.DefaultLawPath}; pass --hardness-law.", "hardness-law");

    /// <summary>
    /// Per repetition: fits the model on the calibration sizes' sweeps alone and sets its predictions for the held-back
    /// sizes beside their sweeps; when the repetitions measured different graphs (<c>--rebuild</c>), once more over
    /// them all as repetition 0. Also what <c>--sweeps</c> runs on a saved result, so a model change is checked against
    /// the same measurements.
    /// </summary>
    public static PlanCheckResult Compare(string dataset, int dimension, IReadOnlyList<MeasuredSweep> measured, Settings settings, MachineProfile machine, CrossCheck? cross = null,
        IReadOnlyList<SittingProfile>? profiles = null)
    {
        if (cross is not null && settings.Law is null)
        {
            throw new VectorEngineArgumentException("A check on another dataset needs a hardness law (--hardness-law, or the one shipped with the CLI).", "hardness-law");
        }

        var rows = new List<CheckRow>();
        foreach (IGrouping<int, MeasuredSweep> repetition in measured.GroupBy(m => m.Repetition).OrderBy(g => g.Key))
        {
            rows.AddRange(CompareRepetition(dataset, dimension, repetition.Key, [.. repetition], settings,
                profiles?.FirstOrDefault(p => p.Repetition == repetition.Key)?.Profile ?? machine, cross));
        }

        // Graphs built with other level seeds reach the target at knobs up to a third apart (1M-point text-like data:
        // ef 59.6 to 92.7 at 250k points), so one graph's knob is a draw, and the planner's knob is the expected one:
        // the repetitions' recall averaged per size and knob, compared once more as repetition 0. Its QPS is their median,
        // so its prediction is the median over the profiles measured in them (the row whose predicted QPS is the median).
        if (OverGraphs(measured) is { } pooled)
        {
            MachineProfile[] each = profiles is { Count: > 0 } ? [.. profiles.OrderBy(p => p.Repetition).Select(p => p.Profile)] : [machine];
            CheckRow[][] under = [.. each.Select(profile => CompareRepetition(dataset, dimension, 0, pooled, settings, profile, cross).ToArray())];
            rows.AddRange(under[0].Select((_, i) => under.Select(r => r[i]).OrderBy(r => r.PredictedQps).ElementAt((under.Length - 1) / 2)));
        }

        rows = [.. rows.Select(row => row with { MeasuredKnobSpread = SpreadOverQueries(measured, row, settings) })];
        return new PlanCheckResult(rows, measured) { Dataset = dataset, Dimension = dimension, Cross = cross, Profiles = profiles ?? [] };
    }

    /// <summary>
    /// The measured knob's range over resamples of the queries: of the row's own graph, or for the row over graphs, of
    /// the recall averaged over all of them (the same queries searched each); null when a sweep kept no hits.
    /// </summary>
    private static KnobSpread? SpreadOverQueries(IReadOnlyList<MeasuredSweep> measured, CheckRow row, Settings settings)
    {
        MeasuredSweep[] sweeps = [.. measured.Where(m => m.Points == row.Points && (row.Repetition == 0 || m.Repetition == row.Repetition))];
        if (sweeps.Length == 0 || sweeps.Any(m => m.Hits is null) || sweeps.Select(m => m.Hits!.Length).Distinct().Count() != 1)
        {
            return null;
        }

        IReadOnlyList<QueryHits>[] graphs = [.. sweeps.GroupBy(m => m.Repetition).Select(g => (IReadOnlyList<QueryHits>)[.. g.Select(m => new QueryHits(m.Ef, m.Hits!))])];
        int[] efs = [.. graphs[0].Select(h => h.Knob).Order()];
        return graphs.All(g => g.Select(h => h.Knob).Order().SequenceEqual(efs)) ? QueryBootstrap.KnobRange(graphs, settings.K, settings.Target) : null;
    }

    /// <summary>Fits the model on one repetition's calibration sweeps and compares its predictions at the held-back sizes.</summary>
    private static IEnumerable<CheckRow> CompareRepetition(string dataset, int dimension, int repetition, IReadOnlyList<MeasuredSweep> sweeps, Settings settings,
        MachineProfile profile, CrossCheck? cross)
    {
        Dictionary<int, MeasuredSweep[]> bySize = sweeps.GroupBy(m => m.Points).ToDictionary(g => g.Key, g => g.OrderBy(m => m.Ef).ToArray());
        if (settings.Calibrate.Concat(settings.Check).FirstOrDefault(size => !bySize.ContainsKey(size)) is int missing and > 0)
        {
            throw new VectorEngineArgumentException($"--sweeps: repetition {repetition} has no sweep at {missing:N0} points.", "sweeps");
        }

        CostModel model = Assert(Calibration.FitAll(
            settings.Calibrate.SelectMany(size => bySize[size].Select(m => ("hnsw", new CalibrationPoint(m.ToRun(settings.K), size, dimension)))), out IReadOnlyList<string> skipped,
            profile), skipped);
        if (cross is not null)
        {
            model = model.ForData(settings.Law!, cross.Hardness, cross.CheckHardness);
        }

        return [.. settings.Check.Select(size => HeldBackCheck.Compare(cross?.Dataset ?? dataset, repetition, model, size,
            [.. bySize[size].Select(m => new SweepPoint(m.Ef, m.Recall, m.Qps))], bySize[size][0].IndexBytes, settings.Target, settings.K, cross?.Dimension ?? dimension))];
    }

    /// <summary>
    /// Every size and knob over the repetitions, as repetition 0: recall, index bytes and vectors scored averaged, the
    /// median QPS; null unless two or more repetitions measured different graphs (their recalls differ somewhere).
    /// </summary>
    internal static IReadOnlyList<MeasuredSweep>? OverGraphs(IReadOnlyList<MeasuredSweep> measured)
    {
        IGrouping<(int Points, int Ef), MeasuredSweep>[] settings = [.. measured.GroupBy(m => (m.Points, m.Ef))];
        if (measured.Select(m => m.Repetition).Distinct().Count() < 2 || settings.All(g => g.Select(m => m.Recall).Distinct().Count() == 1))
        {
            return null;
        }

        return [.. settings.Select(g =>
        {
            double[] visits = [.. g.Where(m => m.DistancesPerQuery is not null).Select(m => m.DistancesPerQuery!.Value)];
            VisitShares[] shares = [.. g.Where(m => m.VisitShares is not null).Select(m => m.VisitShares!)];
            return new MeasuredSweep(0, g.Key.Points, g.Key.Ef, g.Average(m => m.Recall), Reports.Statistics.Median(g.Select(m => m.Qps)), (long)Math.Round(g.Average(m => (double)m.IndexBytes)),
                g.Average(m => m.VectorBytesPerPoint), visits.Length == g.Count() ? visits.Average() : null)
            {
                VisitShares = shares.Length == g.Count() && shares.Select(s => s.Rows.Length).Distinct().Count() == 1
                    ? new VisitShares(shares[0].Rows, [.. shares[0].Rows.Select((_, i) => shares.Average(s => s.Visits[i]))])
                    : null,
            };
        })];
    }

    /// <summary>
    /// Times every size at every ef, size after size, <see cref="Settings.Rounds"/> times, on one pinned thread, keeping
    /// each setting's fastest round: a shared machine's slow spell then costs one round of every size alike, instead
    /// of the sizes measured while it lasted (one round read the same 1M-point sweep 30% apart between repetitions).
    /// </summary>
    private static Dictionary<int, List<AnnRun>> SweepRoundRobin((int Size, AnnRunner Runner, BuildResult Build)[] built, Settings settings)
    {
        var best = built.ToDictionary(b => b.Size, _ => new AnnRun?[settings.Efs.Length]);
        AnnCommand.Pin(1);
        try
        {
            for (int round = 0; round < settings.Rounds; round++)
            {
                foreach ((int size, AnnRunner runner, BuildResult build) in built)
                {
                    for (int e = 0; e < settings.Efs.Length; e++)
                    {
                        int ef = settings.Efs[e];
                        AnnRun run = runner.Search(build, settings.K, 1, new SearchParams { Ef = ef }, new() { ["ef"] = ef });
                        if (best[size][e] is not { } kept || run.Qps > kept.Qps)
                        {
                            best[size][e] = run;
                        }
                    }
                }
            }
        }
        finally
        {
            AnnCommand.Unpin();
        }

        return best.ToDictionary(pair => pair.Key, pair => pair.Value.Select(run => run!).ToList());
    }

    /// <summary>Compares again from a saved result's sweeps.</summary>
    private static PlanCheckResult FromSaved(FileInfo file, Settings settings, bool measureVisits = false)
    {
        PlanCheckResult saved;
        try
        {
            saved = JsonSerializer.Deserialize<PlanCheckResult>(File.ReadAllText(file.FullName))
                ?? throw new InvalidDataException($"{file.FullName} is empty.");
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new VectorEngineArgumentException($"--sweeps: {e.Message}", "sweeps");
        }

        if (saved.Cross is not null && settings.Law is null)
        {
            settings = settings with { Law = LawFor(null) };
        }

        IReadOnlyList<MeasuredSweep> sweeps = measureVisits && saved.Sweeps.Any(m => m.VisitShares is null)
            ? WithVisitShares(saved, settings)
            : saved.Sweeps;
        return Compare(saved.Dataset, saved.Dimension, sweeps, settings, settings.Machine ?? MachineProfileStore.ForPlanning(), saved.Cross,
            settings.ProfileEachRepetition ? saved.Profiles : null) with { Measured = saved.Measured };
    }

    /// <summary>
    /// The saved sweeps with the read skew of their calibration sizes measured anew: each repetition's graphs rebuilt
    /// with its level seed on the saved sample, and every saved ef searched once with the tally on. Only the skew is
    /// taken from these searches; the saved timings stay.
    /// </summary>
    private static IReadOnlyList<MeasuredSweep> WithVisitShares(PlanCheckResult saved, Settings settings)
    {
        CheckSettings how = saved.Measured ?? throw new VectorEngineArgumentException("--measure-visits: the saved result does not say how it was built.", "sweeps");
        Dataset data = Sample(Load(settings.Dataset, how.Queries, "dataset"), how.Shuffle);
        var shares = new Dictionary<(int Repetition, int Points, int Ef), VisitShares?>();
        int[] repetitions = [.. saved.Sweeps.Select(m => m.Repetition).Where(r => r > 0).Distinct().Order()];
        var built = new List<(int Size, AnnRunner Runner, BuildResult Build, string Directory)>();
        try
        {
            foreach (int repetition in repetitions)
            {
                if (repetition > 1 && !how.Rebuild)
                {
                    foreach (var pair in shares.Where(p => p.Key.Repetition == 1).ToArray())
                    {
                        shares[(repetition, pair.Key.Points, pair.Key.Ef)] = pair.Value;
                    }

                    continue;
                }

                Release(built);
                int seed = new HnswParameters().Seed + (how.Rebuild ? repetition - 1 : 0);
                IndexSpec spec = new HnswParameters { M = how.M, EfConstruction = how.EfConstruction, Seed = seed }.ToSpec();
                foreach (int size in settings.Calibrate)
                {
                    string directory = Path.Combine(Path.GetTempPath(), "vectorengine-plan-check-" + Guid.NewGuid().ToString("N"));
                    var runner = new AnnRunner(data.Prefix(size), "hnsw", spec, null, null);
                    BuildResult build = runner.Build(directory);
                    built.Add((size, runner, build, directory));
                    foreach (int ef in saved.Sweeps.Where(m => m.Repetition == repetition && m.Points == size).Select(m => m.Ef).Distinct())
                    {
                        shares[(repetition, size, ef)] = runner.Search(build, how.K, 1, new SearchParams { Ef = ef }, new() { ["ef"] = ef }).VisitShares;
                    }
                }
            }
        }
        finally
        {
            Release(built);
        }

        MeasuredSweep[] filled = [.. saved.Sweeps.Where(m => m.Repetition > 0).Select(m => m with { VisitShares = shares.GetValueOrDefault((m.Repetition, m.Points, m.Ef)) ?? m.VisitShares })];
        return filled;
    }

    private static CostModel Assert(IReadOnlyList<CostModel> models, IReadOnlyList<string> skipped) =>
        models.Count == 1 ? models[0] : throw new InvalidOperationException($"The calibration sizes gave no model: {string.Join("; ", skipped)}");

    private static void Validate(Settings s)
    {
        if (s.Calibrate.Length < 2 || s.Calibrate.Any(n => n < 2) || s.Check.Length == 0 || s.Check.Min() <= s.Calibrate.Max())
        {
            throw new VectorEngineArgumentException("--calibrate takes two or more sizes and --check one or more, each larger than every calibration size.", "check");
        }

        if (s.Target is <= 0 or >= 1 || s.Efs.Length < 2 || s.Efs.Any(e => e < 1) || s.Repeat < 1 || s.Rounds < 1 || s.Queries < 1 || s.K < 1 || s.M < 2 || s.EfConstruction < 1)
        {
            throw new VectorEngineArgumentException("--target-recall takes (0, 1); --efs two or more positive values; --repeat, --rounds, --queries, --k, --m and --ef-construction positive.", "target-recall");
        }
    }

    private static int[] ParseInts(System.CommandLine.Parsing.ArgumentResult result) =>
        [.. result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(v => int.Parse(v, CultureInfo.InvariantCulture))];

    /// <summary>What to check.</summary>
    internal sealed record Settings(string Dataset, int[] Calibrate, int[] Check, double Target, int[] Efs, int M, int EfConstruction, int Repeat, int Queries, int K)
    {
        /// <summary>Timing rounds per repetition (each setting keeps its fastest).</summary>
        public int Rounds { get; init; } = 3;

        /// <summary>The memory profile to charge by; null: the cached one (measured and saved when there is none).</summary>
        public MachineProfile? Machine { get; init; }

        /// <summary>Where the held-back sizes come from when not from <see cref="Dataset"/>.</summary>
        public string? CheckDataset { get; init; }

        /// <summary>The hardness law a check on another dataset moves the model by.</summary>
        public HardnessLaw? Law { get; init; }

        /// <summary>
        /// Measure the machine's memory again in every repetition (unless <see cref="Machine"/> is given), and compare
        /// saved sweeps with the profiles saved beside them; false: the cached profile throughout.
        /// </summary>
        public bool ProfileEachRepetition { get; init; } = true;

        /// <summary>Build every size anew in each repetition with the next HNSW level seed, so that the measured knob's spread over graphs shows.</summary>
        public bool Rebuild { get; init; }

        /// <summary>The seed that orders the rows before every size takes its first ones (a random sample); null: the file's order.</summary>
        public int? Shuffle { get; init; }
    }
}
