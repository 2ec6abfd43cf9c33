using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using VectorEngine.Bench.Datasets;
using VectorEngine.Bench.Runs;
using VectorEngine.Hnsw;
using VectorEngine.Indexing;
using VectorEngine.Indexing.Quantization;
using VectorEngine.Quantization.Binary;
using VectorEngine.Quantization.Ivf;
using VectorEngine.Quantization.Product;
using VectorEngine.Quantization.Scalar;

namespace VectorEngine.Bench.Commands;

/// <summary><c>bench ann</c>: recall and throughput of an index on a dataset, as a table and optionally JSON.</summary>
internal static class AnnCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "Dataset: a folder with dataset.json (base/query .fvecs, .bvecs or .npy, ground truth .ivecs or .npy, each optionally .gz) or an ann-benchmarks .hdf5 file", Required = true };
        var index = new Option<string>("--index") { Description = "Index type: flat, hnsw, hnsw-int8, hnsw-pq, hnsw-binary, ivf-flat, ivf-sq8 or ivf-pq", DefaultValueFactory = _ => "flat" };
        var threads = new Option<int[]>("--threads") { Description = "Search threads (repeat or comma-separate for several runs)", DefaultValueFactory = _ => [1], AllowMultipleArgumentsPerToken = true, CustomParser = ParseInts };
        var k = new Option<int>("--k") { Description = "Neighbours per query", DefaultValueFactory = _ => 10 };
        var queries = new Option<int?>("--queries") { Description = "Use only the first N queries" };
        var output = new Option<FileInfo?>("--out") { Description = "Write the JSON report here" };
        var workDir = new Option<DirectoryInfo?>("--work-dir") { Description = "Where the temporary database goes (default: the system temp folder)" };
        var quiet = new Option<bool>("--quiet") { Description = "No progress output" };
        var m = new Option<int?>("--m") { Description = "HNSW: links per node (M)" };
        var efConstruction = new Option<int?>("--ef-construction") { Description = "HNSW: build beam width (efConstruction)" };
        var buildThreads = new Option<int?>("--build-threads") { Description = "HNSW: build threads (default: all cores)" };
        var sweep = new Option<string?>("--sweep") { Description = "Search parameter sweep, e.g. ef=10,16,32,64" };
        var exactThreshold = new Option<int?>("--exact-filter-threshold") { Description = "Filtered searches matching at most this many points per segment scan them exactly (engine default: chosen by cost per segment)" };
        var pin = new Option<bool>("--pin") { Description = "Pin the process to the first N CPUs while searching with N threads (the build stays unpinned)" };
        var selectivity = new Option<double?>("--filter-selectivity") { Description = "Give points a random keyword so that this fraction matches the query filter; recall is then against the exact filtered result" };
        var churn = new Option<double?>("--churn")
        {
            Description = "After the sweep, delete this fraction of the points, insert as many again (same vectors, new ids), and sweep again; then once more after the merge optimizer",
        };
        var oversampling = new Option<double?>("--oversampling") { Description = "Quantized HNSW: candidates per result rescored with the float vectors (default 2)" };
        var noRescore = new Option<bool>("--no-rescore") { Description = "Quantized HNSW: return code distances, no float rescoring" };
        var linkOnFloats = new Option<bool>("--link-on-floats")
        {
            Description = "Quantized HNSW: link the graph with float distances even where the codes offer their own (HnswParameters.BuildOnCodes = false)",
        };
        var quantile = new Option<double?>("--quantile") { Description = "int8: central fraction of values the code range covers (default 0.99)" };
        var granularity = new Option<string?>("--granularity") { Description = "int8: 'auto' (default: chosen from the data), one range per 'dimension' or per 'collection'" };
        var nlist = new Option<int?>("--nlist") { Description = "IVF: inverted lists (default 4·sqrt(n))" };
        var nprobe = new Option<int?>("--nprobe") { Description = "IVF: lists a search scans when the sweep does not set it (default 16)" };
        var pqM = new Option<int?>("--pq-m") { Description = "PQ: sub-quantizers (must divide the dimension; default dim/8 or the nearest divisor)" };
        var nbits = new Option<int?>("--nbits") { Description = "PQ: bits per sub-quantizer code (8, the only width)" };
        var maxPoints = new Option<int?>("--max-points-per-centroid") { Description = "IVF: coarse k-means trains on at most this many rows per list (default 256)" };
        var points = new Option<int[]>("--points")
        {
            Description = "Index only the first N base vectors, with exact ground truth recomputed; several sizes (comma-separated) build one index each, which is what bench plan calibrates on",
            AllowMultipleArgumentsPerToken = true,
            CustomParser = ParseInts,
        };
        points.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int[]>() is { } sizes && sizes.Any(s => s < 1))
            {
                r.AddError("--points takes sizes of at least 1.");
            }
        });
        var repeat = new Option<int>("--repeat") { Description = "Time each search setting N times and report the median QPS (all N in qps_repeats)", DefaultValueFactory = _ => 1 };
        repeat.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError("--repeat takes a count of at least 1.");
            }
        });
        var command = new Command("ann", "Build an index on a dataset and measure recall@k, QPS and latency")
        {
            dataset, index, threads, k, queries, output, workDir, quiet, m, efConstruction, buildThreads, sweep, selectivity, pin, exactThreshold, churn,
            oversampling, noRescore, linkOnFloats, quantile, granularity, nlist, nprobe, pqM, nbits, maxPoints, repeat, points,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(churn) is { } c && (c <= 0 || c >= 1 || result.GetValue(selectivity) is not null))
            {
                result.AddError("--churn takes a fraction in (0, 1) and cannot be combined with --filter-selectivity.");
            }
        });
        command.SetAction(parse => Run(new AnnSettings(
            parse.GetValue(dataset)!, parse.GetValue(index)!, parse.GetValue(threads)!, parse.GetValue(k), parse.GetValue(queries),
            parse.GetValue(output), parse.GetValue(workDir), parse.GetValue(quiet), parse.GetValue(m), parse.GetValue(efConstruction),
            parse.GetValue(buildThreads), parse.GetValue(sweep), parse.GetValue(selectivity), parse.GetValue(pin), parse.GetValue(exactThreshold),
            parse.GetValue(churn), parse.GetValue(oversampling), parse.GetValue(noRescore), parse.GetValue(quantile),
            parse.GetValue(granularity), parse.GetValue(nlist), parse.GetValue(nprobe), parse.GetValue(pqM), parse.GetValue(nbits),
            parse.GetValue(maxPoints), parse.GetValue(repeat), parse.GetValue(points) ?? [], parse.GetValue(linkOnFloats))));
        return command;
    }

    private static int[] ParseInts(ArgumentResult result) =>
        result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse).ToArray();

    private static int Run(AnnSettings settings)
    {
        Dataset data = Dataset.Load(settings.Dataset, settings.MaxQueries);
        if (!settings.Quiet)
        {
            AnsiConsole.MarkupLineInterpolated($"[bold]{data.Name}[/]: n={data.Base.Length}, dim={data.Dimension}, metric={data.Metric}, queries={data.Queries.Length}");
        }

        IndexSpec spec = IndexFor(settings);
        (string sweepName, int[] sweepValues) = ParseSweep(settings.Sweep);
        var report = new AnnReport
        {
            Dataset = data.Name,
            Metric = data.Metric.ToString(),
            N = data.Base.Length,
            Dim = data.Dimension,
            Hardness = Planning.DataHardness.Estimate(data.Base, data.Metric == DistanceMetric.Cosine),
        };
        int[] sizes = settings.Points.Length == 0 ? [data.Base.Length] : settings.Points.Select(p => Math.Min(p, data.Base.Length)).Distinct().Order().ToArray();
        foreach (int size in sizes)
        {
            Dataset part = data.Prefix(size);
            var runner = new AnnRunner(part, settings.Index, spec, settings.FilterSelectivity, settings.ExactFilterThreshold);
            int before = report.Runs.Count;
            long rssGrowth = BuildAndSweep(runner, part, settings, sweepName, sweepValues, report);
            foreach (AnnRun run in report.Runs.Skip(before))
            {
                run.RssGrowthBytes = rssGrowth;
            }

            Unpin();
        }

        ParetoFrontier.Mark(report.Runs);
        var table = new Table().AddColumns("index", "points", "stage", "search", "threads", "k", "recall@k", "QPS", "p50 µs", "p99 µs", "build s", "index MiB", "pareto");
        foreach (AnnRun run in report.Runs)
        {
            table.AddRow(run.Index, (run.Points ?? report.N).ToString("N0"), run.BuildParams.TryGetValue("stage", out object? stage) ? stage.ToString()! : "fresh", string.Join(" ", run.SearchParams.Select(p => $"{p.Key}={p.Value}")), run.Threads.ToString(), run.K.ToString(),
                run.RecallAtK.ToString("F4"), run.Qps.ToString("N1"), run.P50Us?.ToString("N0") ?? "-", run.P99Us?.ToString("N0") ?? "-",
                run.BuildSeconds.ToString("F2"), (run.IndexBytes / 1048576.0).ToString("F1"), run.Pareto ? "*" : string.Empty);
        }

        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 160;
        }

        AnsiConsole.Write(table);
        if (settings.Output is not null)
        {
            File.WriteAllText(settings.Output.FullName, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        }

        return 0;
    }

    /// <summary>Builds the index in a temporary database, sweeps it (and again after churn), and returns the RSS growth of the build.</summary>
    private static long BuildAndSweep(AnnRunner runner, Dataset data, AnnSettings settings, string sweepName, int[] sweepValues, AnnReport report)
    {
        string directory = Path.Combine(settings.WorkDir?.FullName ?? Path.GetTempPath(), "vectorengine-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            GC.Collect();
            long rssBefore = Environment.WorkingSet;
            BuildResult built = settings.Quiet
                ? runner.Build(directory)
                : AnsiConsole.Progress().Start(ctx =>
                {
                    ProgressTask task = ctx.AddTask($"ingest {data.Base.Length:N0}", maxValue: data.Base.Length);
                    return runner.Build(directory, done => task.Value = done);
                });
            long rssGrowth = Environment.WorkingSet - rssBefore;
            using (built.Db)
            {
                Sweep(runner, built, settings, sweepName, sweepValues, report);
                if (settings.Churn is { } fraction)
                {
                    Unpin();
                    int replaced = runner.Churn(built, fraction);
                    Say(settings, $"churn: {replaced} points deleted and inserted again");
                    Sweep(runner, built, settings, sweepName, sweepValues, report);
                    Unpin();
                    Say(settings, $"optimizer: {runner.Optimize(built)} segments merged");
                    Sweep(runner, built, settings, sweepName, sweepValues, report);
                }
            }

            return rssGrowth;
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>
    /// Times every search setting on every thread count. The progress bar redraws only between settings (no refresh
    /// thread): a renderer waking every 100 ms would share the pinned CPU with the queries being timed.
    /// </summary>
    private static void Sweep(AnnRunner runner, BuildResult built, AnnSettings settings, string sweepName, int[] sweepValues, AnnReport report)
    {
        if (settings.Quiet)
        {
            SweepSettings(runner, built, settings, sweepName, sweepValues, report, null);
            return;
        }

        AnsiConsole.Progress().AutoRefresh(false).Start(ctx =>
        {
            ProgressTask task = ctx.AddTask($"search {built.Collection.GetInfo().PointCount:N0} points", maxValue: sweepValues.Length * settings.Threads.Length * settings.Repeat);
            SweepSettings(runner, built, settings, sweepName, sweepValues, report, () =>
            {
                task.Increment(1);
                ctx.Refresh();
            });
        });
    }

    private static void SweepSettings(AnnRunner runner, BuildResult built, AnnSettings settings, string sweepName, int[] sweepValues, AnnReport report, Action? measured)
    {
        foreach (int value in sweepValues)
        {
            SearchParams searchParams = sweepName switch
            {
                "ef" => new SearchParams { Ef = value },
                "nprobe" => new SearchParams { NProbe = value },
                _ => SearchParams.Default,
            };
            Dictionary<string, object> json = sweepName.Length == 0 ? [] : new() { [sweepName] = value };
            foreach (int t in settings.Threads)
            {
                if (settings.Pin)
                {
                    Pin(t);
                }

                // Repeats measure the same setting again (after its short warm-up each time); the median damps the
                // drift of a shared machine, and every figure stays in the JSON.
                AnnRun[] repeats = Enumerable.Range(0, settings.Repeat)
                    .Select(_ =>
                    {
                        AnnRun run = runner.Search(built, settings.K, t, searchParams, json);
                        measured?.Invoke();
                        return run;
                    })
                    .ToArray()
                    .OrderBy(r => r.Qps)
                    .ToArray();
                AnnRun median = repeats[repeats.Length / 2];
                if (repeats.Length > 1)
                {
                    median.QpsRepeats = repeats.Select(r => r.Qps).ToList();
                }

                report.Runs.Add(median);
            }
        }
    }

    private static void Say(AnnSettings settings, string line)
    {
        if (!settings.Quiet)
        {
            AnsiConsole.WriteLine(line);
        }
    }

    /// <summary>Gives writes and index builds every CPU again after a pinned sweep.</summary>
    internal static void Unpin() => Pin(Environment.ProcessorCount);

    internal static void Pin(int cpus)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows())
        {
            System.Diagnostics.Process.GetCurrentProcess().ProcessorAffinity = (nint)((1L << Math.Min(cpus, Environment.ProcessorCount)) - 1);
        }
    }

    private static IndexSpec IndexFor(AnnSettings settings)
    {
        if (settings.Index.StartsWith(IvfParameters.IndexName + "-", StringComparison.OrdinalIgnoreCase))
        {
            return IvfFor(settings, settings.Index[(IvfParameters.IndexName.Length + 1)..].ToLowerInvariant());
        }

        string quantization = settings.Index.StartsWith(HnswParameters.IndexName + "-", StringComparison.OrdinalIgnoreCase)
            ? settings.Index[(HnswParameters.IndexName.Length + 1)..].ToLowerInvariant()
            : string.Empty;
        if (settings.Index.Equals(HnswParameters.IndexName, StringComparison.OrdinalIgnoreCase) || quantization.Length > 0)
        {
            if (quantization.Length == 0)
            {
                Refuse(settings.LinkOnFloats ? true : null, "--link-on-floats", settings.Index);
            }

            var defaults = new HnswParameters();
            return new HnswParameters
            {
                M = settings.M ?? defaults.M,
                EfConstruction = settings.EfConstruction ?? defaults.EfConstruction,
                BuildThreads = settings.BuildThreads ?? defaults.BuildThreads,
                Quantizer = quantization.Length > 0 ? QuantizerFor(quantization, settings) : null,
                Oversampling = settings.Oversampling ?? defaults.Oversampling,
                Rescore = !settings.NoRescore,
                BuildOnCodes = !settings.LinkOnFloats,
            }.ToSpec();
        }

        RefuseQuantizerOptions(settings, settings.Index);
        return new IndexSpec(settings.Index, new Dictionary<string, string>());
    }

    private static IndexSpec IvfFor(AnnSettings settings, string encoding)
    {
        var defaults = new IvfParameters();
        var parameters = new IvfParameters
        {
            Encoding = encoding switch
            {
                "flat" => IvfEncoding.Flat,
                "sq8" => IvfEncoding.Sq8,
                "pq" => IvfEncoding.Pq,
                _ => throw new VectorEngineArgumentException($"--index ivf-{encoding}: the encoding is flat, sq8 or pq.", "index"),
            },
            NList = settings.NList ?? defaults.NList,
            NProbe = settings.NProbe ?? defaults.NProbe,
            BuildThreads = settings.BuildThreads ?? defaults.BuildThreads,
            MaxPointsPerCentroid = settings.MaxPointsPerCentroid ?? defaults.MaxPointsPerCentroid,
            Oversampling = settings.Oversampling ?? defaults.Oversampling,
            Rescore = !settings.NoRescore,
        };
        parameters = encoding switch
        {
            "pq" => parameters with { Pq = (PqParameters)QuantizerFor("pq", settings) },
            "sq8" => parameters with { Sq8 = (Int8Parameters)QuantizerFor("int8", settings) },
            _ => RefuseQuantizerOptions(settings, "ivf-flat", parameters),
        };
        return parameters.ToSpec();
    }

    /// <summary>The typed quantizer the CLI's quantizer flags describe; a flag that does not apply to it is refused.</summary>
    private static IQuantizerParameters QuantizerFor(string name, AnnSettings settings)
    {
        switch (name)
        {
            case Int8Parameters.Name:
                Refuse(settings.PqM, "--pq-m", name);
                Refuse(settings.NBits, "--nbits", name);
                var int8 = new Int8Parameters();
                return int8 with
                {
                    Quantile = settings.Quantile ?? int8.Quantile,
                    Granularity = settings.Granularity switch
                    {
                        null or "auto" => Int8Granularity.Auto,
                        "collection" => Int8Granularity.Collection,
                        "dimension" => Int8Granularity.Dimension,
                        _ => throw new VectorEngineArgumentException($"--granularity is auto, collection or dimension; got '{settings.Granularity}'.", "granularity"),
                    },
                };
            case PqParameters.Name:
                Refuse(settings.Quantile, "--quantile", name);
                Refuse(settings.Granularity, "--granularity", name);
                if (settings.NBits is { } bits && bits != PqParameters.Bits)
                {
                    throw new VectorEngineArgumentException($"--nbits must be {PqParameters.Bits}; got {bits}.", "nbits");
                }

                return new PqParameters { SubQuantizers = settings.PqM ?? 0 };
            case BinaryParameters.Name:
                RefuseQuantizerOptions(settings, name);
                return new BinaryParameters();
            default:
                throw new VectorEngineArgumentException($"Unknown quantizer '{name}': int8, pq or binary.", "index");
        }
    }

    private static T RefuseQuantizerOptions<T>(AnnSettings settings, string index, T result)
    {
        RefuseQuantizerOptions(settings, index);
        return result;
    }

    private static void RefuseQuantizerOptions(AnnSettings settings, string index)
    {
        Refuse(settings.LinkOnFloats ? true : null, "--link-on-floats", index);
        Refuse(settings.Quantile, "--quantile", index);
        Refuse(settings.Granularity, "--granularity", index);
        Refuse(settings.PqM, "--pq-m", index);
        Refuse(settings.NBits, "--nbits", index);
    }

    private static void Refuse(object? value, string flag, string index)
    {
        if (value is not null)
        {
            throw new VectorEngineArgumentException($"{flag} does not apply to {index}.", flag.TrimStart('-'));
        }
    }

    private static (string Name, int[] Values) ParseSweep(string? sweep)
    {
        if (string.IsNullOrWhiteSpace(sweep))
        {
            return (string.Empty, [0]);
        }

        string[] parts = sweep.Split('=', 2);
        if (parts.Length != 2 || parts[0] is not ("ef" or "nprobe"))
        {
            throw new ArgumentException($"--sweep takes ef=... or nprobe=...; got '{sweep}'.");
        }

        return (parts[0], parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray());
    }

    private sealed record AnnSettings(
        string Dataset, string Index, int[] Threads, int K, int? MaxQueries, FileInfo? Output, DirectoryInfo? WorkDir, bool Quiet,
        int? M, int? EfConstruction, int? BuildThreads, string? Sweep, double? FilterSelectivity, bool Pin, int? ExactFilterThreshold,
        double? Churn, double? Oversampling, bool NoRescore, double? Quantile, string? Granularity, int? NList, int? NProbe, int? PqM,
        int? NBits, int? MaxPointsPerCentroid, int Repeat, int[] Points, bool LinkOnFloats);
}
