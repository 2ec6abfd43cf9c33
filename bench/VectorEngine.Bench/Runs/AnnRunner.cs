using System.Diagnostics;
using VectorEngine.Bench.Datasets;
using VectorEngine.Filters;
using VectorEngine.Hnsw;
using VectorEngine.Indexing;
using VectorEngine.Quantization.Ivf;
using VectorEngine.Quantization;

namespace VectorEngine.Bench.Runs;

/// <summary>A built benchmark database.</summary>
/// <param name="Db">The database (the caller disposes it).</param>
/// <param name="Collection">The one collection.</param>
/// <param name="IngestSeconds">Upserting every point into the mutable segment.</param>
/// <param name="SealSeconds">Sealing it: segment files, index build and index save.</param>
/// <param name="IndexBuildSeconds">The index build alone (part of <paramref name="SealSeconds"/>).</param>
/// <param name="DiskBytes">The database directory's size after sealing.</param>
internal sealed record BuildResult(VectorDatabase Db, Collection Collection, double IngestSeconds, double SealSeconds, double IndexBuildSeconds, long DiskBytes);

/// <summary>
/// Loads a dataset into a real (temporary, on-disk) database, seals it into one segment, and runs every query through
/// the public search API, timing each call. With a filter selectivity, each point gets a keyword that matches the
/// query filter with that probability, and recall is measured against the exact filtered answer.
/// </summary>
internal sealed class AnnRunner
{
    private const string TagKey = "tag";
    private const string MatchingTag = "match";
    private const double MinSeconds = 0.5;
    private const double WarmUpSeconds = 0.3;
    private const double FirstWarmUpSeconds = 3.0;
    private const double NewIndexWarmUpSeconds = 1.0;

    private readonly Dataset _dataset;
    private readonly IndexSpec _index;
    private readonly double? _selectivity;
    private int[][]? _filteredTruth;
    private int[][]? _exactTruth;
    /// <summary>Whether this process has run the long first warm-up: the JIT tiers the search path up once per process.</summary>
    private static bool s_processWarmedUp;

    /// <summary>Whether this runner's index has been searched: its pages (mapped vectors, codes) fault in on first use.</summary>
    private bool _indexWarmedUp;
    private string? _stage;
    private double _churnFraction;

    private readonly int? _exactFilterThreshold;

    private readonly string _label;

    public AnnRunner(Dataset dataset, string label, IndexSpec index, double? selectivity, int? exactFilterThreshold)
    {
        _label = label;
        _exactFilterThreshold = exactFilterThreshold;
        _dataset = dataset;
        _index = index;
        _selectivity = selectivity;
    }

    private Filter? QueryFilter => _selectivity is null ? null : new Filter { Must = [Condition.Match(TagKey, MatchingTag)] };

    public BuildResult Build(string directory, Action<int>? progress = null)
    {
        var options = new VectorDatabaseOptions
        {
            WalSyncMode = WalSyncMode.None,
            EnableBackgroundOptimizer = false,
            MaxMutableSegmentPoints = int.MaxValue,
            MaxMutableSegmentBytes = long.MaxValue,
        }.UseHnsw().UseQuantization();
        options.Indexes.Register(new IvfIndexFactory());
        if (_exactFilterThreshold is { } threshold)
        {
            options.ExactFilterThreshold = threshold;
        }

        var timedIndex = new TimedIndexFactory(options.Indexes.Get(_index.Name));
        options.Indexes.Register(timedIndex);
        VectorDatabase db = VectorDatabase.Open(directory, options);
        var collectionOptions = new CollectionOptions(_dataset.Dimension, _dataset.Metric) { Index = _index };
        if (_selectivity is not null)
        {
            collectionOptions.PayloadIndexes[TagKey] = PayloadIndexType.Keyword;
        }

        Collection collection = db.CreateCollection("bench", collectionOptions);
        var random = new Random(42);
        var clock = Stopwatch.StartNew();
        const int Batch = 5_000;
        for (int start = 0; start < _dataset.Base.Length; start += Batch)
        {
            int n = Math.Min(Batch, _dataset.Base.Length - start);
            var points = new Point[n];
            for (int i = 0; i < n; i++)
            {
                Payload? payload = null;
                if (_selectivity is { } s)
                {
                    payload = new Payload { [TagKey] = random.NextDouble() < s ? MatchingTag : "other-" + random.Next(100) };
                }

                points[i] = new Point((ulong)(start + i), _dataset.Base[start + i], payload);
            }

            collection.Upsert(points);
            progress?.Invoke(start + n);
        }

        double ingest = clock.Elapsed.TotalSeconds;
        clock.Restart();
        collection.Checkpoint();
        double seal = clock.Elapsed.TotalSeconds;
        long disk = new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        return new BuildResult(db, collection, ingest, seal, timedIndex.BuildTime.TotalSeconds, disk);
    }

    /// <summary>
    /// Deletes a random <paramref name="fraction"/> of the points and inserts the same vectors again under new ids
    /// (id + n, so the ground truth still holds), then seals them: the index now routes through tombstones in the old
    /// segment and searches a second, younger segment. Returns how many points were replaced.
    /// </summary>
    public int Churn(BuildResult built, double fraction)
    {
        int n = _dataset.Base.Length;
        var random = new Random(7);
        int[] victims = Enumerable.Range(0, n).OrderBy(_ => random.Next()).Take((int)(n * fraction)).ToArray();
        built.Collection.Delete(victims.Select(v => new PointId((ulong)v)));
        built.Collection.Upsert(victims.Select(v => new Point((ulong)(n + v), _dataset.Base[v])).ToArray());
        built.Collection.Checkpoint();
        _stage = "churned";
        _churnFraction = fraction;
        return victims.Length;
    }

    /// <summary>Runs the merge optimizer until it has nothing left to do; returns the segments it replaced.</summary>
    public int Optimize(BuildResult built)
    {
        int replaced = 0, pass;
        while ((pass = built.Collection.Optimize()) > 0)
        {
            replaced += pass;
        }

        _stage = "optimized";
        return replaced;
    }

    public AnnRun Search(BuildResult built, int k, int threads, SearchParams searchParams, Dictionary<string, object> searchParamsJson)
    {
        Collection collection = built.Collection;
        float[][] queries = _dataset.Queries;
        Filter? filter = QueryFilter;
        var requests = queries.Select(q => new SearchRequest(q, k) { WithPayload = false, Params = searchParams, Filter = filter }).ToArray();
        int[][] truth = filter is not null ? FilteredTruth(collection, k, filter) : _dataset.GroundTruth ?? ExactTruth(collection, k);

        // Warm-up: touch every page and let the JIT reach its final tier (tier-1 recompiles happen in the background,
        // which on a pinned single CPU competes with the queries): at least one pass and WarmUpSeconds.
        // The first search setting of a process gets a longer warm-up: the JIT's tier-up of the whole call path takes
        // seconds on a pinned CPU (measured: ef=16 on SIFT-10k read 65k QPS after 0.5 s, 99k after 3 s).
        // A new index in a warm process (the next size of a --points run) still gets a longer first warm-up: after only
        // 0.3 s, IVF-PQ on 60k fashion-mnist points read nprobe=4 slower than nprobe=8 (5.3k vs 7.2k QPS), its pages
        // (codes, the mapped rows it rescores) still faulting in.
        double warmUpSeconds = !s_processWarmedUp ? FirstWarmUpSeconds : !_indexWarmedUp ? NewIndexWarmUpSeconds : WarmUpSeconds;
        s_processWarmedUp = true;
        _indexWarmedUp = true;
        var warmUp = Stopwatch.StartNew();
        do
        {
            foreach (SearchRequest request in requests)
            {
                collection.Search(request);
            }
        }
        while (warmUp.Elapsed.TotalSeconds < warmUpSeconds);

        // Like the peers' drivers: repeat the query set until the timing covers at least MinSeconds, and keep the
        // latencies of every call (so short sets are not measured on a few milliseconds).
        var latencies = new List<double>(queries.Length);
        var found = new IReadOnlyList<ScoredPoint>[queries.Length];
        var passLatencies = new double[queries.Length];
        long calls = 0;
        var stretch = TimedStretch.Start();
        var clock = Stopwatch.StartNew();
        do
        {
            if (threads <= 1)
            {
                RunRange(collection, requests, found, passLatencies, 0, queries.Length);
            }
            else
            {
                var workers = new Thread[threads];
                for (int t = 0; t < threads; t++)
                {
                    int from = (int)((long)queries.Length * t / threads), to = (int)((long)queries.Length * (t + 1) / threads);
                    workers[t] = new Thread(() => RunRange(collection, requests, found, passLatencies, from, to));
                    workers[t].Start();
                }

                foreach (Thread w in workers)
                {
                    w.Join();
                }
            }

            latencies.AddRange(passLatencies);
            calls += queries.Length;
        }
        while (clock.Elapsed.TotalSeconds < MinSeconds);

        double seconds = clock.Elapsed.TotalSeconds;
        TimedStretch other = stretch.Stop();
        (double? distancesPerQuery, VisitShares? visitShares) = threads <= 1 ? CountDistances(collection, requests) : (null, null);
        latencies.Sort();
        IVectorIndexSummary summary = IVectorIndexSummary.Of(collection);
        var buildParams = _index.Parameters.ToDictionary(p => p.Key, p => (object)p.Value);
        if (_stage is not null)
        {
            buildParams["churn_fraction"] = _churnFraction;
            buildParams["stage"] = _stage;
        }

        if (_selectivity is { } s)
        {
            buildParams["filter_selectivity"] = s;
            buildParams["exact_filter_threshold"] = _exactFilterThreshold is { } t ? t : "cost-based";
        }

        return new AnnRun
        {
            Index = _label,
            Points = _dataset.GroundTruth is null ? _dataset.Base.Length : null,
            DiskBytes = built.DiskBytes,
            BuildParams = buildParams,
            BuildSeconds = Math.Round(built.IngestSeconds + built.SealSeconds, 3),
            BuildPhases = new()
            {
                ["ingest_seconds"] = Math.Round(built.IngestSeconds, 3),
                ["seal_and_index_seconds"] = Math.Round(built.SealSeconds, 3),
                ["index_build_seconds"] = Math.Round(built.IndexBuildSeconds, 3),
            },
            IndexBytes = summary.Bytes,
            VectorBytesPerPoint = summary.VectorBytesPerPoint,
            SearchParams = searchParamsJson,
            Threads = threads,
            K = k,
            RecallAtK = Math.Round(Recall(found, truth, k, _dataset.Base.Length, out byte[]? hits), 5),
            HitsPerQuery = hits,
            Qps = Math.Round(calls / seconds, 1),
            P50Us = Math.Round(Percentile(latencies, 0.50), 1),
            P95Us = Math.Round(Percentile(latencies, 0.95), 1),
            P99Us = Math.Round(Percentile(latencies, 0.99), 1),
            DistancesPerQuery = distancesPerQuery,
            VisitShares = visitShares,
            GcPauseShare = Math.Round(other.PauseSeconds / seconds, 4),
            GcCollections = other.Collections,
            CpuShare = Math.Round(other.CpuSeconds / (seconds * Math.Max(1, threads)), 3),
        };
    }

    /// <summary>
    /// Vectors an HNSW search scored per query, from one more pass over the queries on this thread with the engine's
    /// counting on (after the timing: counting costs a few percent); null when nothing counted (not HNSW).
    /// </summary>
    private static (double? PerQuery, VisitShares? Shares) CountDistances(Collection collection, SearchRequest[] requests)
    {
        // Rows are tallied by their offset in their segment: with one segment (the mutable one empty once sealed) an
        // offset is a row.
        CollectionInfo info = collection.GetInfo();
        int[]? tally = info.SealedSegmentCount <= 1 && info.SegmentCount - info.SealedSegmentCount <= 1 && info.PointCount > 0
            ? new int[info.PointCount]
            : null;
        long before = HnswSearchStatistics.DistancesOnCurrentThread;
        HnswSearchStatistics.TallyVisitsOnCurrentThread(tally);
        HnswSearchStatistics.Counting = true;
        try
        {
            foreach (SearchRequest request in requests)
            {
                collection.Search(request);
            }
        }
        finally
        {
            HnswSearchStatistics.Counting = false;
            HnswSearchStatistics.TallyVisitsOnCurrentThread(null);
        }

        long counted = HnswSearchStatistics.DistancesOnCurrentThread - before;
        return counted > 0
            ? (Math.Round((double)counted / requests.Length, 1), tally is null ? null : VisitShares.Of(tally))
            : (null, null);
    }

    /// <summary>The exact top-k of every query when the dataset carries none (a prefix of its base).</summary>
    private int[][] ExactTruth(Collection collection, int k) =>
        _exactTruth ??= _dataset.Queries
            .AsParallel().AsOrdered()
            .Select(q => collection.Search(new SearchRequest(q, k) { Params = new SearchParams { Exact = true } }).Select(p => (int)p.Id.Number).ToArray())
            .ToArray();

    /// <summary>The exact filtered top-k of every query, from the engine's exact scan (itself tested against brute force).</summary>
    private int[][] FilteredTruth(Collection collection, int k, Filter filter) =>
        _filteredTruth ??= _dataset.Queries
            .AsParallel().AsOrdered()
            .Select(q => collection.Search(new SearchRequest(q, k) { Filter = filter, Params = new SearchParams { Exact = true } })
                .Select(p => (int)p.Id.Number).ToArray())
            .ToArray();

    private static void RunRange(Collection collection, SearchRequest[] requests, IReadOnlyList<ScoredPoint>[] found, double[] latencies, int from, int to)
    {
        for (int i = from; i < to; i++)
        {
            long start = Stopwatch.GetTimestamp();
            found[i] = collection.Search(requests[i]);
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
    }

    /// <summary>
    /// Recall against row numbers; ids at or past <paramref name="n"/> are churned copies of row id - n.
    /// <paramref name="hits"/>: each query's true neighbours found, or null when k does not fit a byte.
    /// </summary>
    private static double Recall(IReadOnlyList<ScoredPoint>[] found, int[][] truth, int k, int n, out byte[]? hits)
    {
        double total = 0;
        hits = k <= byte.MaxValue ? new byte[found.Length] : null;
        for (int q = 0; q < found.Length; q++)
        {
            var expected = new HashSet<int>(truth[q].Take(k));
            int denominator = Math.Max(1, Math.Min(k, expected.Count));
            int matched = found[q].Count(p => expected.Contains((int)(p.Id.Number % (ulong)n)));
            total += matched / (double)denominator;
            if (hits is not null)
            {
                hits[q] = (byte)matched;
            }
        }

        return total / found.Length;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}

/// <summary>Memory a collection's searches need: the vector data they traverse (floats or codes) and the index structures.</summary>
internal readonly record struct IVectorIndexSummary(long Bytes, double VectorBytesPerPoint)
{
    public static IVectorIndexSummary Of(Collection collection)
    {
        CollectionInfo info = collection.GetInfo();
        return new IVectorIndexSummary(
            info.SearchedVectorBytes + info.IndexMemoryBytes,
            info.PointCount == 0 ? 0 : Math.Round((double)info.SearchedVectorBytes / info.PointCount, 1));
    }
}
