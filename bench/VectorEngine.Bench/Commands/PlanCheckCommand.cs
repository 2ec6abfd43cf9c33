using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using VectorEngine.Bench.Datasets;
using VectorEngine.Bench.Planning;
using VectorEngine.Bench.Runs;
using VectorEngine.Hnsw;
using VectorEngine.Indexing;

namespace VectorEngine.Bench.Commands;

/// <summary>
/// <c>bench plan-check</c>: the planner checked against sizes it was not calibrated on, in one sitting. Every size
/// (calibration and held back) is built once; then, per repetition, each is swept on one pinned thread, the model is
/// fitted on the calibration sizes' sweeps alone, and its predictions for the held-back sizes (the knob for the recall
/// target, QPS there, index bytes) are set beside what the same repetition measured. Repetitions show the spread a
/// shared machine adds.
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
        var queries = new Option<int>("--queries") { Description = "Queries (exact ground truth per size)", DefaultValueFactory = _ => 500 };
        var k = new Option<int>("--k") { Description = "Neighbours per query", DefaultValueFactory = _ => 10 };
        var output = new Option<FileInfo?>("--out") { Description = "Write the rows as JSON" };
        var command = new Command("plan-check", "Check the planner's predictions at sizes held back from its calibration, measured in the same sitting")
        {
            dataset, calibrate, check, target, efs, m, efConstruction, repeat, queries, k, output,
        };
        command.SetAction(parse =>
        {
            var settings = new Settings(parse.GetValue(dataset)!, parse.GetValue(calibrate)!, parse.GetValue(check)!, parse.GetValue(target), parse.GetValue(efs)!,
                parse.GetValue(m), parse.GetValue(efConstruction), parse.GetValue(repeat), parse.GetValue(queries), parse.GetValue(k));
            Validate(settings);
            IReadOnlyList<CheckRow> rows = Run(settings, line => AnsiConsole.MarkupLineInterpolated($"{line}"));
            Print(rows, settings.Target);
            if (parse.GetValue(output) is { } file)
            {
                File.WriteAllText(file.FullName, JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
            }

            return 0;
        });
        return command;
    }

    /// <summary>Builds every size, then per repetition sweeps them all, fits on the calibration sizes and compares.</summary>
    /// <param name="settings">What to check.</param>
    /// <param name="say">Progress lines.</param>
    public static IReadOnlyList<CheckRow> Run(Settings settings, Action<string> say)
    {
        Dataset data;
        try
        {
            data = Dataset.Load(settings.Dataset, settings.Queries);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or JsonException or UnauthorizedAccessException)
        {
            throw new VectorEngineArgumentException($"--dataset: {e.Message}", "dataset");
        }

        if (settings.Check.Max() > data.Base.Length)
        {
            throw new VectorEngineArgumentException($"--check {settings.Check.Max()} is larger than {data.Name}'s {data.Base.Length:N0} points.", "check");
        }

        IndexSpec spec = new HnswParameters { M = settings.M, EfConstruction = settings.EfConstruction }.ToSpec();
        int[] sizes = [.. settings.Calibrate.Concat(settings.Check).Distinct().Order()];
        var built = new List<(int Size, AnnRunner Runner, BuildResult Build, string Directory)>();
        var rows = new List<CheckRow>();
        try
        {
            foreach (int size in sizes)
            {
                string directory = Path.Combine(Path.GetTempPath(), "vectorengine-plan-check-" + Guid.NewGuid().ToString("N"));
                var runner = new AnnRunner(data.Prefix(size), "hnsw", spec, null, null);
                built.Add((size, runner, runner.Build(directory), directory));
                say($"built {size:N0} points");
            }

            for (int repetition = 1; repetition <= settings.Repeat; repetition++)
            {
                var sweeps = new Dictionary<int, List<AnnRun>>();
                AnnCommand.Pin(1);
                try
                {
                    foreach ((int size, AnnRunner runner, BuildResult build, _) in built)
                    {
                        sweeps[size] = [.. settings.Efs.Select(ef => runner.Search(build, settings.K, 1, new SearchParams { Ef = ef }, new() { ["ef"] = ef }))];
                    }
                }
                finally
                {
                    AnnCommand.Unpin();
                }

                CostModel model = Assert(Calibration.FitAll(
                    settings.Calibrate.SelectMany(size => sweeps[size].Select(run => ("hnsw", new CalibrationPoint(run, size, data.Dimension)))), out IReadOnlyList<string> skipped), skipped);
                foreach (int size in settings.Check)
                {
                    List<AnnRun> runs = sweeps[size];
                    CheckRow row = HeldBackCheck.Compare(data.Name, repetition, model, size, [.. runs.Select(r => new SweepPoint(Convert.ToInt32(r.SearchParams["ef"], CultureInfo.InvariantCulture), r.RecallAtK, r.Qps))],
                        runs[0].IndexBytes, settings.Target, settings.K);
                    rows.Add(row);
                    say(FormattableString.Invariant($"repetition {repetition}, {size:N0} points: ef {row.PredictedKnob} predicted, {row.MeasuredKnob:F1} measured; QPS {row.PredictedQps:N0} predicted, {row.MeasuredQps:N0} measured"));
                }
            }
        }
        finally
        {
            foreach ((_, _, BuildResult build, string directory) in built)
            {
                build.Db.Dispose();
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
        }

        return rows;
    }

    private static CostModel Assert(IReadOnlyList<CostModel> models, IReadOnlyList<string> skipped) =>
        models.Count == 1 ? models[0] : throw new InvalidOperationException($"The calibration sizes gave no model: {string.Join("; ", skipped)}");

    private static void Validate(Settings s)
    {
        if (s.Calibrate.Length < 2 || s.Calibrate.Any(n => n < 2) || s.Check.Length == 0 || s.Check.Min() <= s.Calibrate.Max())
        {
            throw new VectorEngineArgumentException("--calibrate takes two or more sizes and --check one or more, each larger than every calibration size.", "check");
        }

        if (s.Target is <= 0 or >= 1 || s.Efs.Length < 2 || s.Efs.Any(e => e < 1) || s.Repeat < 1 || s.Queries < 1 || s.K < 1 || s.M < 2 || s.EfConstruction < 1)
        {
            throw new VectorEngineArgumentException("--target-recall takes (0, 1); --efs two or more positive values; --repeat, --queries, --k, --m and --ef-construction positive.", "target-recall");
        }
    }

    private static void Print(IReadOnlyList<CheckRow> rows, double target)
    {
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 200;
        }

        var table = new Table().AddColumns("data", "points", "rep", $"ef for {target} pred", "meas", "err", "QPS pred (90%)", "meas", "err", "err at meas. ef", "index MiB pred", "meas", "err");
        foreach (CheckRow r in rows)
        {
            table.AddRow(r.Dataset, r.Points.ToString("N0", CultureInfo.InvariantCulture), r.Repetition.ToString(CultureInfo.InvariantCulture),
                r.PredictedKnob?.ToString(CultureInfo.InvariantCulture) ?? "none", r.MeasuredKnob?.ToString("F1", CultureInfo.InvariantCulture) ?? "not reached", Percent(r.KnobError),
                FormattableString.Invariant($"{r.PredictedQps:N0} ({r.PredictedQps / r.TimeFactor:N0}-{r.PredictedQps * r.TimeFactor:N0})"),
                r.MeasuredQps?.ToString("N0", CultureInfo.InvariantCulture) ?? "-", Percent(r.QpsError), Percent(r.TimeModelError),
                (r.PredictedBytes / 1048576).ToString("F1", CultureInfo.InvariantCulture), (r.MeasuredBytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture), Percent(r.MemoryError));
        }

        AnsiConsole.Write(table);
    }

    private static string Percent(double? error) => error is { } e ? e.ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture) : "-";

    private static int[] ParseInts(System.CommandLine.Parsing.ArgumentResult result) =>
        [.. result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(v => int.Parse(v, CultureInfo.InvariantCulture))];

    /// <summary>What to check.</summary>
    internal sealed record Settings(string Dataset, int[] Calibrate, int[] Check, double Target, int[] Efs, int M, int EfConstruction, int Repeat, int Queries, int K);
}
