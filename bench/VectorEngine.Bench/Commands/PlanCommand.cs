using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using VectorEngine.Bench.Datasets;
using VectorEngine.Bench.Machine;
using VectorEngine.Bench.Planning;

namespace VectorEngine.Bench.Commands;

/// <summary><c>bench plan</c>: index, quantization, shards, replicas and nodes for a workload, from calibrated measurements.</summary>
internal static class PlanCommand
{
    /// <summary>Where the calibration measured on the project's own machine travels with the CLI (used without --calibration).</summary>
    private static string DefaultCalibrationDirectory => Path.Combine(AppContext.BaseDirectory, "calibration");

    public static Command Create()
    {
        var vectors = new Option<long>("--vectors") { Description = "Vectors to hold (suffixes k, M, B: 50M)", Required = true, CustomParser = ParseCount };
        var dim = new Option<int>("--dim") { Description = "Their dimension", Required = true };
        var recall = new Option<double>("--target-recall") { Description = "Recall@k every search must reach on average", DefaultValueFactory = _ => 0.95 };
        var p95 = new Option<double>("--p95-ms") { Description = "p95 latency limit at the target load, milliseconds", Required = true };
        var qps = new Option<double>("--qps") { Description = "Queries per second to sustain", Required = true };
        var k = new Option<int>("--k") { Description = "Neighbours per query", DefaultValueFactory = _ => 10 };
        var calibration = new Option<FileInfo[]>("--calibration")
        {
            Description = "bench ann JSON files measured on your machine at three or more sizes (bench ann --points); default: the calibration shipped with the CLI",
            AllowMultipleArgumentsPerToken = true,
        };
        var replicas = new Option<int>("--replicas") { Description = "Copies of every shard, at least", DefaultValueFactory = _ => 2 };
        var nodeCores = new Option<int>("--node-cores") { Description = "Cores per node", DefaultValueFactory = _ => 16 };
        var nodeRam = new Option<double>("--node-ram-gib") { Description = "Memory per node, GiB", DefaultValueFactory = _ => 64 };
        var nodeDisk = new Option<double>("--node-disk-gib") { Description = "Disk per node, GiB", DefaultValueFactory = _ => 1024 };
        var ramFraction = new Option<double>("--ram-fraction") { Description = "Share of a node's memory the engine process may fill: its indexes, the heap around them (1.3x) and the runtime (180 MiB); the rest is the page cache's", DefaultValueFactory = _ => 0.7 };
        var readsRamFraction = new Option<double>("--reads-ram-fraction") { Description = "The same, for an index that rescores from float rows read through the page cache (hnsw-pq with a measured disk); the lower of the two applies", DefaultValueFactory = _ => 0.5 };
        var utilization = new Option<double>("--cpu-utilization") { Description = "Share of the cores the target load may keep busy", DefaultValueFactory = _ => 0.5 };
        var network = new Option<double>("--network-ms") { Description = "Latency of one network hop, milliseconds", DefaultValueFactory = _ => 1.0 };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the plans as JSON here" };
        var apply = new Option<FileInfo?>("--apply") { Description = "Write the recommended layout and its predictions here (KEY=value): scripts/cluster.sh up --plan starts it, bench load --setup --plan loads and checks it" };
        var data = new Option<string?>("--data") { Description = "A sample of your vectors (any dataset bench ann reads: a folder or an .hdf5 file): the calibration's ef and scored vectors are moved to its hardness" };
        var knob = new Option<int?>("--knob") { Description = "Plan at this ef / nprobe instead of the smallest that reaches --target-recall; the plan then states the recall predicted there" };
        var segmentPoints = new Option<long?>("--segment-points") { Description = "Most vectors per sealed segment (each searched in turn); default: the engine's merge cap, min(1M, 2 GiB / (4 x dim))", CustomParser = r => ParseCount(r) };
        var hardnessLaw = new Option<string?>("--hardness-law") { Description = "The law --data moves a calibration by (bench hardness --out); default: the one fitted on the project's datasets, shipped with the CLI" };
        var command = new Command("plan", "Recommend index, quantization, shards, replicas, RAM and disk per node, and node count for a workload")
        {
            vectors, dim, recall, p95, qps, k, calibration, replicas, nodeCores, nodeRam, nodeDisk, ramFraction, readsRamFraction, utilization, network, json, data, apply, hardnessLaw, segmentPoints, knob,
        };
        command.SetAction(parse =>
        {
            var request = new PlanRequest
            {
                Vectors = parse.GetValue(vectors),
                Dimension = parse.GetValue(dim),
                TargetRecall = parse.GetValue(recall),
                P95Ms = parse.GetValue(p95),
                Qps = parse.GetValue(qps),
                K = parse.GetValue(k),
                MinReplicas = parse.GetValue(replicas),
                NodeCores = parse.GetValue(nodeCores),
                NodeRamBytes = (long)(parse.GetValue(nodeRam) * (1L << 30)),
                NodeDiskBytes = (long)(parse.GetValue(nodeDisk) * (1L << 30)),
                RamFraction = parse.GetValue(ramFraction),
                ReadsRamFraction = parse.GetValue(readsRamFraction),
                CpuUtilization = parse.GetValue(utilization),
                NetworkMs = parse.GetValue(network),
                SegmentPoints = parse.GetValue(segmentPoints),
                Knob = parse.GetValue(knob),
            };
            FileInfo[] files = parse.GetValue(calibration) ?? [];
            // Read before anything is printed or written: a bad sample is refused by name and changes nothing.
            Dataset? sample = parse.GetValue(data) is { } path ? LoadSample(path) : null;
            HardnessLaw? law = parse.GetValue(hardnessLaw) is { } lawPath ? HardnessLaw.Load(lawPath)
                : sample is not null && File.Exists(HardnessCommand.DefaultLawPath) ? HardnessLaw.Load(HardnessCommand.DefaultLawPath) : null;
            return Run(request, files, parse.GetValue(json), sample, parse.GetValue(apply), law);
        });
        return command;
    }

    private static int Run(PlanRequest request, FileInfo[] files, FileInfo? json, Dataset? data, FileInfo? apply, HardnessLaw? law)
    {
        string[] paths = files.Length > 0
            ? files.Select(f => f.FullName).ToArray()
            : Directory.Exists(DefaultCalibrationDirectory) ? Directory.GetFiles(DefaultCalibrationDirectory, "*.json") : [];
        if (paths.Length == 0)
        {
            AnsiConsole.MarkupLine("[red]No calibration: pass --calibration with bench ann JSON files (see bench/README.md).[/]");
            return 1;
        }

        IReadOnlyList<CostModel> models;
        IReadOnlyList<string> skipped;
        IReadOnlyList<DeploymentPlan> plans;
        HardnessComparison hardness;
        try
        {
            // The machine's memory profile (measured once, cached) only matters to runs that counted their scored vectors.
            models = Calibration.Load(paths, out skipped, Calibration.CountsScoredVectors(paths) ? MachineProfileStore.ForPlanning() : null);
            hardness = HardnessComparison.Of(paths, data, law);
            if (hardness.Shift is { } shift)
            {
                models = [.. models.Select(m => m.ForData(shift.Law, shift.From, shift.To))];
            }

            // Product-quantized indexes read float rows to rescore: priced from this machine's disk where it was measured.
            if (models.Any(RescoreReads.Applies))
            {
                request = request with { Disk = MachineProfileStore.ForPlanning().Disk };
            }

            plans = DeploymentPlanner.Plan(request, models);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidDataException or JsonException or IOException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{e.Message}[/]");
            return 1;
        }

        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 200;
        }

        AnsiConsole.MarkupLineInterpolated($"[bold]Workload[/]: {request.Vectors:N0} vectors × {request.Dimension} dims, recall@{request.K} ≥ {request.TargetRecall}, p95 ≤ {request.P95Ms} ms at {request.Qps:N0} QPS; nodes of {request.NodeCores} cores, {request.NodeRamBytes / (double)(1L << 30):N0} GiB RAM, {request.NodeDiskBytes / (double)(1L << 30):N0} GiB disk.");
        AnsiConsole.WriteLine();
        AnsiConsole.MarkupLine("[bold]Assumptions[/]");
        foreach (string line in Assumptions(request, files.Length == 0, paths, hardness.Shift is not null))
        {
            AnsiConsole.MarkupLineInterpolated($"- {line}");
        }

        foreach (CostModel model in models)
        {
            AnsiConsole.MarkupLineInterpolated($"- model {model.Label}: {model.Describe()}");
            AnsiConsole.MarkupLineInterpolated($"  {DescribeError(model.Error)}");
        }

        foreach (string reason in skipped)
        {
            AnsiConsole.MarkupLineInterpolated($"- [yellow]not used[/]: {reason}");
        }

        foreach (string line in hardness.Lines(request.TargetRecall))
        {
            AnsiConsole.MarkupLineInterpolated($"- {line}");
        }

        AnsiConsole.WriteLine();
        if (plans.Count == 0)
        {
            AnsiConsole.MarkupLine("[red]No calibrated index meets the targets at up to 4,096 shards: relax the recall or latency target, or calibrate another index (see the models above for what each reaches).[/]");
            return 2;
        }

        var table = new Table().AddColumns("index", "search (90%)", "shards", "replicas", "nodes", "limited by", "recall", "p95 ms (90%)", "capacity QPS (90%)", "RAM/node GiB", "disk/node GiB");
        foreach (DeploymentPlan plan in plans)
        {
            PlanRange range = PlanRange.Of(plan);
            table.AddRow(plan.Model.Label, plan.Model.Knob.Length == 0 ? "exact" : Inv($"{plan.Model.Knob}={plan.KnobValue} ({range.KnobLow}-{range.KnobHigh})"),
                plan.Segments == 1 ? plan.Shards.ToString(CultureInfo.InvariantCulture) : Inv($"{plan.Shards} ({plan.Segments} segments each)"),
                plan.Replicas.ToString(CultureInfo.InvariantCulture), plan.Nodes.ToString(CultureInfo.InvariantCulture), plan.LimitedBy, plan.Recall.ToString("F3", CultureInfo.InvariantCulture),
                Inv($"{plan.P95Ms:F2} ({plan.P95Ms / range.TimeFactor:F2}-{plan.P95Ms * range.TimeFactor:F2})"),
                Inv($"{plan.CapacityQps:N0} ({plan.CapacityQps / range.TimeFactor:N0}-{plan.CapacityQps * range.TimeFactor:N0})"),
                (plan.RamPerNodeBytes / (1L << 30)).ToString("F1", CultureInfo.InvariantCulture), (plan.DiskPerNodeBytes / (1L << 30)).ToString("F1", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        foreach (DeploymentPlan plan in plans.Where(p => p.RescoreRowsPerQuery > 0))
        {
            AnsiConsole.MarkupLineInterpolated($"{plan.Model.Label}: {plan.RescoreRowsPerQuery:N0} float rows read per query to rescore, {plan.RescoreCachedShare:P0} of them from the page cache: {plan.RescoreMs:F2} ms of each shard's search.");
        }

        foreach (DeploymentPlan plan in plans)
        {
            if (PlanRange.Of(plan).OutsideSupport is { } why)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]{plan.Model.Label}, {plan.Shards} shard(s): outside what the calibration supports: {why}; calibrate at larger sizes (bench ann --points) before relying on it.[/]");
            }
        }
        DeploymentPlan best = plans[0];
        AnsiConsole.MarkupLineInterpolated($"[bold green]Recommended[/]: {best.Model.Label}, {(best.Model.Knob.Length == 0 ? "exact search" : $"{best.Model.Knob}={best.KnobValue}")}; {best.Shards} shard(s) of {best.PointsPerShard:N0} vectors × {best.Replicas} replicas on {best.Nodes} node(s), each with ≥ {best.RamPerNodeBytes / (1L << 30):F1} GiB RAM and ≥ {best.DiskPerNodeBytes / (1L << 30):F1} GiB disk.");
        if (apply is not null)
        {
            AppliedPlan.Of(best, request).Write(apply.FullName);
            AnsiConsole.MarkupLineInterpolated($"Applied to {apply.FullName}: bash scripts/cluster.sh up --plan {apply.Name}, then bench load --setup --plan {apply.Name} --dataset ... sets its measurements beside these predictions.");
        }
        else
        {
            AnsiConsole.MarkupLineInterpolated($"Try it locally: bash scripts/cluster.sh up {best.Nodes}, then create the collection with shard_number {best.Shards} (bench load --setup --shards {best.Shards}); or write it with --apply.");
        }

        if (json is not null)
        {
            var rows = plans.Select(p => new Dictionary<string, object>
            {
                ["series"] = p.Model.Series, ["index"] = p.Model.Index, ["knob"] = p.Model.Knob, ["knob_value"] = p.KnobValue, ["shards"] = p.Shards,
                ["replicas"] = p.Replicas, ["segments_per_shard"] = p.Segments, ["nodes"] = p.Nodes, ["limited_by"] = p.LimitedBy, ["points_per_shard"] = p.PointsPerShard,
                ["recall"] = Math.Round(p.Recall, 4), ["p95_ms"] = Math.Round(p.P95Ms, 3), ["capacity_qps"] = Math.Round(p.CapacityQps),
                ["ram_per_node_bytes"] = Math.Round(p.RamPerNodeBytes), ["disk_per_node_bytes"] = Math.Round(p.DiskPerNodeBytes),
                ["time_factor_90"] = Math.Round(PlanRange.Of(p).TimeFactor, 3), ["knob_low_90"] = PlanRange.Of(p).KnobLow, ["knob_high_90"] = PlanRange.Of(p).KnobHigh,
                ["outside_support"] = PlanRange.Of(p).OutsideSupport ?? string.Empty,
                ["rescore_rows_per_query"] = p.RescoreRowsPerQuery, ["rescore_cached_share"] = Math.Round(p.RescoreCachedShare, 4), ["rescore_ms"] = Math.Round(p.RescoreMs, 3),
            });
            File.WriteAllText(json.FullName, JsonSerializer.Serialize(new { request, plans = rows }, new JsonSerializerOptions { WriteIndented = true }));
        }

        return 0;
    }

    private static string DescribeError(ModelError? error) => error is null
        ? "cross-validation: none (fewer than three calibrated sizes): predictions carry no stated error"
        : Inv($"cross-validation ({error.Folds} held-out size(s), each {error.StepFactor:F1}x beyond the sizes fitted): time per query off by {Math.Exp(error.TimeLogRms) - 1:P0} rms (bias {Math.Exp(error.TimeLogBias) - 1:+0%;-0%}), ef/nprobe for a recall by {Math.Exp(error.KnobLogRms) - 1:P0}, memory by at most {error.MemoryRelative:P1}; 90% ranges below widen with each further step");

    private static string Inv(FormattableString text) => FormattableString.Invariant(text);

    /// <summary>The user's sample for --data; anything unreadable or too small is a typed error naming the option.</summary>
    public static Dataset LoadSample(string path)
    {
        Dataset sample;
        try
        {
            sample = Dataset.Load(path, maxQueries: 1);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            throw new VectorEngineArgumentException($"--data: {e.Message}", "data");
        }

        if (sample.Base.Length <= DataHardness.DefaultK + 1)
        {
            throw new VectorEngineArgumentException($"--data: {sample.Name} holds {sample.Base.Length} vectors; hardness needs more than {DataHardness.DefaultK + 1}.", "data");
        }

        return sample;
    }

    private static IEnumerable<string> Assumptions(PlanRequest request, bool shipped, string[] paths, bool moved)
    {
        yield return shipped
            ? $"Calibration: the one shipped with the CLI ({string.Join(", ", paths.Select(Path.GetFileName))}), measured on a 2-core EPYC VM on fashion-mnist; calibrate on your own machine and data for a plan you can rely on (bench/README.md)."
            : $"Calibration: {string.Join(", ", paths.Select(Path.GetFileName))}.";
        yield return moved
            ? "Your vectors' HNSW ef for a recall and scored vectors per ef are the calibration's, extrapolated in n (linearly in ln n where the sweeps cross the target), then moved by the hardness law: each scales as a power of the data's LID p90 ratio (below); IVF's nprobe is not moved."
            : "Your vectors are as hard to search as the calibration data: the ef/nprobe for a recall comes from its recall curve, extrapolated in n (linearly in ln n where the sweeps cross the target).";
        yield return "Time per query: for HNSW runs that counted their scored vectors, scored vectors x (code cost + the memory charge of a row at the shard's working set, from this machine's bench machine profile); otherwise a power law in n. At another dimension the row grows with it and, where the profile has the distance kernel's curve, the code cost moves by the kernel's difference (otherwise both grow in proportion); memory per point adds the vector bytes in proportion to the dimension; disk stores float vectors (4 bytes × dim) besides the index.";
        yield return $"A shard holds sealed segments of at most {request.SegmentCap:N0} vectors{(request.SegmentPoints is null ? " (the engine's merge cap)" : string.Empty)}, each its own index that a query searches in turn: knob, recall and scored vectors are a segment's, time times the segments, and each search pays the memory costs of the whole shard's working set (all its segments pass through the caches with every query).";
        yield return $"A query searches one replica of every shard; merged recall equals shard recall; p95 = shard p95 + the Erlang C wait for a core at the load on {request.NodeCores}-core nodes + {request.NetworkMs} ms per network hop (1 hop, 2 with more than one shard).";
        yield return "Quantized indexes that rescore (hnsw-int8/pq, ivf-pq by default) keep their codes in RAM and read k × oversampling float rows per query from the segment files: those are counted on disk, not in RAM, and want a disk that serves that many random reads.";
        yield return request.Disk is { } disk
            ? Inv($"hnsw-pq reads k × {RescoreReads.PqOversampling} float rows per segment and query; a node's memory beyond its resident indexes caches that share of its rows, and each row costs {disk.HitMicros:F1} µs from the page cache or {disk.MissMicros:F1} µs from disk (bench machine, {disk.Batch} rows asked for at once). Int8 and IVF rows are priced as the calibration read them.")
            : "Rescoring rows are priced as the calibration read them (from the page cache): no disk probe in this machine's profile.";
        yield return $"The target load keeps at most {request.CpuUtilization:P0} of the cores busy; the engine process (1.3 × its indexes' bytes + 180 MiB of runtime) fills at most {request.RamFraction:P0} of a node's memory ({Math.Min(request.RamFraction, request.ReadsRamFraction):P0} where it rescores from rows read through the page cache); each shard has room on disk for a merge to rewrite it (2×); at least {request.MinReplicas} replicas, on different nodes.";
    }

    private static long ParseCount(ArgumentResult result)
    {
        string text = result.Tokens.Single().Value.Trim();
        (string digits, double scale) = char.ToUpperInvariant(text[^1]) switch
        {
            'K' => (text[..^1], 1e3),
            'M' => (text[..^1], 1e6),
            'B' or 'G' => (text[..^1], 1e9),
            _ => (text, 1.0),
        };
        if (!double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value <= 0)
        {
            result.AddError($"--vectors takes a positive count such as 1000000, 50M or 1.5B; got '{text}'.");
            return 0;
        }

        return (long)Math.Round(value * scale);
    }
}
