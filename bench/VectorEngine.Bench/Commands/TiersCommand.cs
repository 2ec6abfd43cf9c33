using System.CommandLine;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Spectre.Console;
using VectorEngine.Bench.Datasets;
using VectorEngine.Bench.Synthetic;
using VectorEngine.Hnsw;
using VectorEngine.Quantization;
using VectorEngine.Quantization.Product;

namespace VectorEngine.Bench.Commands;

/// <summary>
/// <c>bench tiers</c>: the scale run. Builds (once, resuming) a large synthetic collection of warm segments, then, in a
/// fresh process held under a memory cap, measures recall@10 against exact ground truth, latency and QPS at 1 and 2
/// threads; then sends half the segments cold and measures the first-touch promotion and the steady state after it.
/// </summary>
internal static class TiersCommand
{
    private const string CollectionName = "tiers";

    public static Command Create()
    {
        var kind = GenCommand.KindOption(SyntheticKind.TextLike);
        var n = new Option<long>("--n") { Description = "Points", DefaultValueFactory = _ => 10_000_000 };
        var dim = new Option<int>("--dim") { Description = "Dimension", DefaultValueFactory = _ => 384 };
        var seed = new Option<int>("--seed") { Description = "Data seed", DefaultValueFactory = _ => 1 };
        var queries = new Option<int>("--queries") { Description = "Queries (exact ground truth is computed for them)", DefaultValueFactory = _ => 1_000 };
        var dir = new Option<DirectoryInfo>("--dir") { Description = "Where data, database, archives and report live (kept: a second run resumes)", Required = true };
        var cap = new Option<int>("--memory-cap-mib") { Description = "The search process's resident-set ceiling", DefaultValueFactory = _ => 4096 };
        var efs = new Option<int[]>("--ef") { Description = "Search beams to measure", DefaultValueFactory = _ => [64, 128, 256], AllowMultipleArgumentsPerToken = true };
        var pqM = new Option<int>("--pq-m") { Description = "PQ sub-quantizers of the codes warm segments traverse (must divide --dim)", DefaultValueFactory = _ => 96 };
        var m = new Option<int>("--m") { Description = "HNSW links per node (the graph is most of what a warm segment holds)", DefaultValueFactory = _ => 16 };
        var segmentPoints = new Option<int>("--segment-points") { Description = "Points per sealed segment", DefaultValueFactory = _ => 250_000 };
        var stage = new Option<string>("--stage") { Description = "all (build here, search in a capped child), build, or search", DefaultValueFactory = _ => "all" };
        var command = new Command("tiers", "Scale run: a large collection searched warm inside a memory cap, then half of it fetched back from cold")
        {
            kind, n, dim, seed, queries, dir, cap, efs, pqM, m, segmentPoints, stage,
        };
        command.SetAction(parse =>
        {
            var settings = new Settings(parse.GetValue(kind), parse.GetValue(n), parse.GetValue(dim), parse.GetValue(seed), parse.GetValue(queries),
                parse.GetValue(dir)!.FullName, parse.GetValue(cap), parse.GetValue(efs)!, parse.GetValue(pqM), parse.GetValue(m), parse.GetValue(segmentPoints));
            string which = parse.GetValue(stage)!;
            if (which is "all" or "build")
            {
                Build(settings);
            }

            if (which == "all")
            {
                // The search runs in a fresh process, so its peak resident set is the search's alone, not the build's.
                // The cap is enforced by the kernel where a cgroup can be made (the child joins it first thing), and
                // the child measures its own resident set in any case.
                string[] childArgs = [.. Environment.GetCommandLineArgs().Skip(1).Where(a => a != "all" && a != "--stage"), "--stage", "search"];
                using CgroupLimit? cgroup = CgroupLimit.TryCreate((long)settings.CapMiB << 20);
                ProcessStartInfo start = Processes.BenchChild.StartInfo(childArgs);
                if (cgroup is not null)
                {
                    start.Environment[CgroupLimit.EnvironmentVariable] = cgroup.Path;

                    // The runtime sizes its heap from the cgroup it starts in, which the child joins only after: tell it.
                    start.Environment["DOTNET_GCHeapHardLimit"] = (((long)settings.CapMiB << 20) * 7 / 8).ToString("X", System.Globalization.CultureInfo.InvariantCulture);
                }

                using Process child = Process.Start(start)!;
                child.WaitForExit();
                if (cgroup is null)
                {
                    AnsiConsole.MarkupLineInterpolated($"No cgroup could be made here: the cap was the measured ceiling alone. Child exit {child.ExitCode}.");
                }
                else
                {
                    AnsiConsole.MarkupLineInterpolated($"cgroup {cgroup.Path}: limit {settings.CapMiB:N0} MiB, peak usage (resident + page cache) {cgroup.MaxUsage / 1048576.0:N0} MiB, limit hits {cgroup.FailCount}; child exit {child.ExitCode}{(child.ExitCode == 137 ? " (killed: out of memory)" : string.Empty)}.");
                }
                return child.ExitCode;
            }

            return which == "search" ? Search(settings) : 0;
        });
        return command;
    }

    private static VectorDatabaseOptions DatabaseOptions(Settings s, long? residentBudget = null)
    {
        var options = new VectorDatabaseOptions
        {
            MaxResidentBytes = residentBudget,
            MaxMutableSegmentPoints = s.SegmentPoints,
            MaxSegmentPoints = s.SegmentPoints,

            // Sized by points alone: the default byte caps (256 MiB) would seal 384-d segments at 175k points.
            MaxMutableSegmentBytes = Math.Max(256L << 20, (long)s.SegmentPoints * (s.Dimension + 16) * sizeof(float)),
            MaxSegmentBytes = Math.Max(2L << 30, (long)s.SegmentPoints * (s.Dimension + 16) * sizeof(float)),
            EnableBackgroundOptimizer = false,
            EnableTierMover = false,
            WalSyncMode = WalSyncMode.Interval,
            ObjectStore = new Tiers.LocalDirectoryObjectStore(Path.Combine(s.Dir, "objects")),
            WarmPayloadMemoryBytes = 16L << 20,

            // Warm rescoring reads float rows from disk: their pages are given back every 2 s, so what the process
            // holds is the graphs and codes, not whatever the queries touched (each trim costs the searches a TLB
            // shootdown and the refaults after it: measured at 250 ms it cost two thirds of the QPS).
            WarmPageTrimInterval = TimeSpan.FromSeconds(2),
        };
        options.UseQuantization();
        options.UseHnsw();
        return options;
    }

    private static void Build(Settings s)
    {
        var data = new SyntheticData(s.Kind, s.Count, s.Dimension, s.Seed);
        string dataDir = Path.Combine(s.Dir, "data");
        if (!File.Exists(Path.Combine(dataDir, "dataset.json")))
        {
            GenCommand.Write(data, dataDir, s.Queries, 100, writeBase: false);
        }

        var clock = Stopwatch.StartNew();
        using VectorDatabase db = VectorDatabase.Open(Path.Combine(s.Dir, "db"), DatabaseOptions(s));
        Collection collection = db.TryGetCollection(CollectionName, out Collection? existing) && existing is not null
            ? existing
            : db.CreateCollection(CollectionName, new CollectionOptions(s.Dimension, data.Metric)
            {
                Index = HnswOptionsExtensions.Spec(new HnswParameters { M = s.M, EfConstruction = 100, Quantizer = new PqParameters { SubQuantizers = s.PqM } }),
            });

        // Rows are numbered by id, so a resumed build continues from the first id it does not hold.
        long start = collection.Count();
        const int Batch = 5_000;
        float[] buffer = new float[Batch * s.Dimension];
        for (long first = start; first < s.Count; first += Batch)
        {
            int rows = (int)Math.Min(Batch, s.Count - first);
            GenCommand.FillBase(data, first, rows, buffer);
            var points = new Point[rows];
            for (int r = 0; r < rows; r++)
            {
                points[r] = new Point((ulong)(first + r), buffer.AsSpan(r * s.Dimension, s.Dimension).ToArray(), Payload.Empty);
            }

            collection.Upsert(points);
            if ((first + rows) % 100_000 == 0 || first + rows == s.Count)
            {
                double rate = (first + rows - start) / clock.Elapsed.TotalSeconds;
                AnsiConsole.MarkupLineInterpolated($"  built {first + rows:N0} / {s.Count:N0} ({rate:N0} points/s, {clock.Elapsed.TotalMinutes:F1} min)");
            }
        }

        collection.Checkpoint();
        foreach (SegmentTierInfo segment in collection.GetSegmentTiers().Where(t => t.Tier != SegmentTier.Warm))
        {
            collection.MoveSegment(segment.SegmentId, SegmentTier.Warm);
        }

        AnsiConsole.MarkupLineInterpolated($"Built {collection.Count():N0} points in {collection.GetSegmentTiers().Count} warm segments ({clock.Elapsed.TotalMinutes:F1} min this run)");
    }

    private static int Search(Settings s)
    {
        string? cgroup = CgroupLimit.JoinFromEnvironment();
        using var ceiling = new MemoryCeiling((long)s.CapMiB << 20);
        // Queries and exact ground truth only: the base is never stored (regenerated from the seed when needed).
        string dataDir = Path.Combine(s.Dir, "data");
        var truth = new Truth(VectorFile.ReadVectors(Path.Combine(dataDir, "query.fvecs"), s.Queries), VectorFile.ReadNeighbors(Path.Combine(dataDir, "groundtruth.ivecs"), s.Queries));
        var clock = Stopwatch.StartNew();
        var promotions = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name is "vectorengine.tiers.promotion.duration" or "vectorengine.tiers.warm_rows_rescored")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref s_warmRowsRescored, value));
        listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            lock (promotions)
            {
                promotions.Add(value);
            }
        });
        listener.Start();

        // The budget a deployment under this cap would set: what the engine's accounting may hold resident, leaving half
        // the cap to what the accounting does not see (the runtime's heap beyond it, ~27% at 10M) and to the page cache a
        // hot segment's graph walk reads its floats through. At three quarters (10M x 384, 4 GiB) the pass kept 5 of
        // the 29 promoted segments hot, whose floats then did not fit the page cache left: 7 / 12 QPS at ef 512 against
        // 17 / 30 with every segment warm.
        long budget = ((long)s.CapMiB << 20) / 2;
        using VectorDatabase db = VectorDatabase.Open(Path.Combine(s.Dir, "db"), DatabaseOptions(s, budget));
        Collection collection = db.GetCollection(CollectionName);
        double openSeconds = clock.Elapsed.TotalSeconds;

        // The background check of every vector file reads them all once: let it finish before anything is timed.
        var verification = Stopwatch.StartNew();
        collection.WaitForVerification(TimeSpan.FromMinutes(30));
        double verificationSeconds = verification.Elapsed.TotalSeconds;

        // What opening read and dropped (points files, payload batches) is garbage: collect it, so the heap measured
        // is what the segments hold.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        long managedHeap = GC.GetTotalMemory(forceFullCollection: true);
        IReadOnlyList<SegmentTierInfo> tiers = collection.GetSegmentTiers();
        long points = collection.Count();
        var rows = new List<Dictionary<string, object>>();
        AnsiConsole.MarkupLineInterpolated($"Opened {points:N0} points in {tiers.Count} segments in {openSeconds:F1} s; resident {Bytes(tiers)}; managed heap {managedHeap / 1048576.0:N0} MiB; RSS {MemoryCeiling.Status("VmRSS") / 1048576.0:N0} MiB (anon {MemoryCeiling.Status("RssAnon") / 1048576.0:N0})");
        var report = new Dictionary<string, object>
        {
            ["points"] = points,
            ["dimension"] = s.Dimension,
            ["kind"] = s.Kind.ToString(),
            ["segments"] = tiers.Count,
            ["open_seconds"] = openSeconds,
            ["managed_heap_bytes_after_open"] = managedHeap,
            ["verification_seconds"] = verificationSeconds,
            ["resident_bytes_warm"] = tiers.Sum(t => t.ResidentBytes),
            ["resident_bytes_per_point_warm"] = tiers.Sum(t => t.ResidentBytes) / (double)points,
            ["runs"] = rows,
        };

        // As bench ann does: the JIT tiers the search path up only after it has run a while, and the first setting timed
        // without this paid for it (1M in 5 warm segments: 1,650-1,850 QPS at ef 64 timed first, 3,000-3,550 after).
        WarmUp(collection, truth, s.Efs[0], TimeSpan.FromSeconds(3));
        foreach (int ef in s.Efs)
        {
            foreach (int threads in new[] { 1, 2 })
            {
                rows.Add(Measure(collection, truth, ef, threads, "warm"));
            }
        }

        // Half the segments cold: archived to the object store, local files gone.
        int[] coldIds = [.. tiers.Where((_, i) => i % 2 == 0).Select(t => t.SegmentId)];
        var coldClock = Stopwatch.StartNew();
        foreach (int id in coldIds)
        {
            collection.MoveSegment(id, SegmentTier.Cold);
        }

        IReadOnlyList<SegmentTierInfo> mixed = collection.GetSegmentTiers();
        report["demote_to_cold_seconds"] = coldClock.Elapsed.TotalSeconds;
        report["resident_bytes_cold_half"] = mixed.Sum(t => t.ResidentBytes);
        report["resident_bytes_per_point_cold"] = mixed.Where(t => t.Tier == SegmentTier.Cold).Sum(t => t.ResidentBytes) / (double)mixed.Where(t => t.Tier == SegmentTier.Cold).Sum(t => t.Points);
        report["resident_bytes_per_point_warm_segments"] = mixed.Where(t => t.Tier == SegmentTier.Warm).Sum(t => t.ResidentBytes) / (double)Math.Max(1, mixed.Where(t => t.Tier == SegmentTier.Warm).Sum(t => t.Points));

        // The first search touches every cold segment: it waits for them all to be fetched, checked and opened.
        var first = Stopwatch.StartNew();
        collection.Search(new SearchRequest(truth.Queries[0], 10) { Params = new SearchParams { Ef = s.Efs[0] }, WithPayload = false });
        report["first_touch_ms"] = first.Elapsed.TotalMilliseconds;
        lock (promotions)
        {
            report["promotions"] = promotions.Count;
            report["promotion_ms_p50"] = Percentile(promotions, 0.5);
            report["promotion_ms_max"] = promotions.Count == 0 ? 0 : promotions.Max();
        }

        IReadOnlyList<SegmentTierInfo> promoted = collection.GetSegmentTiers();
        report["resident_bytes_per_point_hot"] = promoted.Where(t => t.Tier == SegmentTier.Hot).Sum(t => t.ResidentBytes) / (double)Math.Max(1, promoted.Where(t => t.Tier == SegmentTier.Hot).Sum(t => t.Points));
        AnsiConsole.MarkupLineInterpolated($"First touch fetched {coldIds.Length} cold segments in {first.Elapsed.TotalSeconds:F1} s (promotion p50 {report["promotion_ms_p50"]:F0} ms)");

        // The steady state a deployment sees: the tier pass holds the budget, demoting the least recently used of what
        // the first touch promoted back to warm (hot floats beyond the cap would only be read back from disk).
        var pass = Stopwatch.StartNew();
        int moved = db.RunTierPass();
        IReadOnlyList<SegmentTierInfo> settled = collection.GetSegmentTiers();
        report["resident_budget_bytes"] = budget;
        report["budget_pass_moves"] = moved;
        report["budget_pass_seconds"] = pass.Elapsed.TotalSeconds;
        report["resident_bytes_after_budget"] = settled.Sum(t => t.ResidentBytes);
        report["segments_after_budget"] = settled.GroupBy(t => t.Tier).ToDictionary(g => g.Key.ToString(), g => g.Count());
        AnsiConsole.MarkupLineInterpolated($"Budget {budget / 1048576.0:N0} MiB: the tier pass moved {moved} segments in {pass.Elapsed.TotalSeconds:F1} s; now {string.Join(", ", settled.GroupBy(t => t.Tier).Select(g => $"{g.Count()} {g.Key}"))}, resident {Bytes(settled)}");
        foreach (int threads in new[] { 1, 2 })
        {
            rows.Add(Measure(collection, truth, s.Efs[^1], threads, "after-promotion"));
        }

        // Back to all warm, so the next run starts where this one did.
        foreach (SegmentTierInfo segment in collection.GetSegmentTiers().Where(t => t.Tier != SegmentTier.Warm))
        {
            collection.MoveSegment(segment.SegmentId, SegmentTier.Warm);
        }

        report["cap_bytes"] = ceiling.Cap;
        report["cgroup"] = cgroup ?? "none";
        if (cgroup is not null)
        {
            report["cgroup_peak_usage_bytes"] = CgroupLimit.ReadFrom(cgroup, "memory.max_usage_in_bytes") ?? -1;
            report["cgroup_limit_hits"] = CgroupLimit.ReadFrom(cgroup, "memory.failcnt") ?? -1;
        }

        report["peak_rss_bytes"] = ceiling.PeakResident;
        report["peak_rss_sampled_bytes"] = ceiling.PeakSampled;
        report["peak_rss_anon_bytes"] = ceiling.PeakAnon;
        report["peak_rss_file_bytes"] = ceiling.PeakFile;
        report["cap_held"] = ceiling.Held;
        string path = Path.Combine(s.Dir, $"report-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        var table = new Table().AddColumns("stage", "ef", "threads", "recall@10", "QPS", "p50 ms", "p95 ms", "p99 ms");
        foreach (Dictionary<string, object> row in rows)
        {
            table.AddRow($"{row["stage"]}", $"{row["ef"]}", $"{row["threads"]}", $"{row["recall"]:F4}", $"{row["qps"]:N0}", $"{row["p50_ms"]:F2}", $"{row["p95_ms"]:F2}", $"{row["p99_ms"]:F2}");
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"Peak RSS {ceiling.PeakResident / 1048576.0:N0} MiB (anon {ceiling.PeakAnon / 1048576.0:N0}, mapped files {ceiling.PeakFile / 1048576.0:N0}; cap {s.CapMiB:N0} MiB: {(ceiling.Held ? "held" : cgroup is null ? "[red]crossed[/]" : "crossed by mapped page cache, which the cgroup reclaims")}); report {path}");

        // Under a cgroup the kernel holds the cap (mapped vector pages are page cache it reclaims at the limit; the
        // process would have been killed had its own memory not fitted). Without one, the measured ceiling decides.
        return ceiling.Held || (cgroup is not null && ceiling.PeakAnon <= ceiling.Cap) ? 0 : 3;
    }

    // Float rows warm segments read to rescore (the engine's counter, through the listener above).
    private static long s_warmRowsRescored;

    /// <summary>Searches the queries in turn, untimed, for <paramref name="duration"/> (and at most 100 passes).</summary>
    private static void WarmUp(Collection collection, Truth truth, int ef, TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        for (int pass = 0; pass < 100 && clock.Elapsed < duration; pass++)
        {
            foreach (float[] query in truth.Queries)
            {
                collection.Search(new SearchRequest(query, 10) { Params = new SearchParams { Ef = ef }, WithPayload = false });
            }
        }
    }

    private static Dictionary<string, object> Measure(Collection collection, Truth truth, int ef, int threads, string stage)
    {
        int count = truth.Queries.Length;
        double[] latencies = new double[count];
        int[] found = new int[count];
        int next = -1;
        long rowsBefore = Interlocked.Read(ref s_warmRowsRescored);
        var clock = Stopwatch.StartNew();
        Thread[] workers = [.. Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            while (Interlocked.Increment(ref next) is var q && q < count)
            {
                long start = Stopwatch.GetTimestamp();
                SearchResults hits = collection.Search(new SearchRequest(truth.Queries[q], 10) { Params = new SearchParams { Ef = ef }, WithPayload = false });
                latencies[q] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                HashSet<int> exact = [.. truth.GroundTruth[q].Take(10)];
                found[q] = hits.Count(h => exact.Contains((int)h.Id.Number));
            }
        }))];
        foreach (Thread worker in workers)
        {
            worker.Start();
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        double seconds = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        var row = new Dictionary<string, object>
        {
            ["stage"] = stage,
            ["ef"] = ef,
            ["threads"] = threads,
            ["recall"] = found.Sum() / (count * 10.0),
            ["qps"] = count / seconds,
            ["p50_ms"] = latencies[(int)(count * 0.50)],
            ["p95_ms"] = latencies[Math.Min(count - 1, (int)(count * 0.95))],
            ["p99_ms"] = latencies[Math.Min(count - 1, (int)(count * 0.99))],
            ["rss_mib"] = (MemoryCeiling.Status("VmRSS") ?? 0) / 1048576.0,
            ["warm_rows_read_per_query"] = (Interlocked.Read(ref s_warmRowsRescored) - rowsBefore) / (double)count,
        };
        AnsiConsole.MarkupLineInterpolated($"  {stage} ef={ef} threads={threads}: recall@10 {row["recall"]:F4}, {row["qps"]:N0} QPS, p50 {row["p50_ms"]:F2} ms, p99 {row["p99_ms"]:F2} ms, warm rows read {row["warm_rows_read_per_query"]:N0} per query, RSS {row["rss_mib"]:N0} MiB");
        return row;
    }

    private static double Percentile(List<double> values, double p) =>
        values.Count == 0 ? 0 : values.Order().ElementAt(Math.Min(values.Count - 1, (int)(values.Count * p)));

    private static string Bytes(IEnumerable<SegmentTierInfo> tiers) => $"{tiers.Sum(t => t.ResidentBytes) / 1048576.0:N0} MiB";

    private sealed record Truth(float[][] Queries, int[][] GroundTruth);

    private sealed record Settings(SyntheticKind Kind, long Count, int Dimension, int Seed, int Queries, string Dir, int CapMiB, int[] Efs, int PqM, int M, int SegmentPoints);
}
