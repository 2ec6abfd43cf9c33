using System.Diagnostics;
using VectorEngine.Bench.Datasets;
using VectorEngine.Indexing;

namespace VectorEngine.Bench.Runs;

/// <summary>
/// Loads a dataset into a real (temporary, on-disk) database, seals it into one segment, and runs every query through
/// the public search API, timing each call.
/// </summary>
internal sealed class AnnRunner
{
    private readonly Dataset _dataset;
    private readonly IndexSpec _index;

    public AnnRunner(Dataset dataset, IndexSpec index)
    {
        _dataset = dataset;
        _index = index;
    }

    public (VectorDatabase Db, Collection Collection, double BuildSeconds) Build(string directory, Action<int>? progress = null)
    {
        var options = new VectorDatabaseOptions
        {
            WalSyncMode = WalSyncMode.None,
            EnableBackgroundOptimizer = false,
            MaxMutableSegmentPoints = int.MaxValue,
            MaxMutableSegmentBytes = long.MaxValue,
        };
        VectorDatabase db = VectorDatabase.Open(directory, options);
        Collection collection = db.CreateCollection("bench", new CollectionOptions(_dataset.Dimension, _dataset.Metric) { Index = _index });
        var clock = Stopwatch.StartNew();
        const int Batch = 5_000;
        for (int start = 0; start < _dataset.Base.Length; start += Batch)
        {
            int n = Math.Min(Batch, _dataset.Base.Length - start);
            var points = new Point[n];
            for (int i = 0; i < n; i++)
            {
                points[i] = new Point((ulong)(start + i), _dataset.Base[start + i]);
            }

            collection.Upsert(points);
            progress?.Invoke(start + n);
        }

        collection.Checkpoint();
        return (db, collection, clock.Elapsed.TotalSeconds);
    }

    public AnnRun Search(Collection collection, double buildSeconds, int k, int threads, SearchParams searchParams, Dictionary<string, object> searchParamsJson)
    {
        float[][] queries = _dataset.Queries;
        var requests = queries.Select(q => new SearchRequest(q, k) { WithPayload = false, Params = searchParams }).ToArray();

        // Warm-up: touch every page and JIT the hot path.
        for (int i = 0; i < Math.Min(queries.Length, 200); i++)
        {
            collection.Search(requests[i]);
        }

        var latencies = new double[queries.Length];
        var found = new IReadOnlyList<ScoredPoint>[queries.Length];
        var clock = Stopwatch.StartNew();
        if (threads <= 1)
        {
            RunRange(collection, requests, found, latencies, 0, queries.Length);
        }
        else
        {
            var workers = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                int from = (int)((long)queries.Length * t / threads), to = (int)((long)queries.Length * (t + 1) / threads);
                workers[t] = new Thread(() => RunRange(collection, requests, found, latencies, from, to));
                workers[t].Start();
            }

            foreach (Thread w in workers)
            {
                w.Join();
            }
        }

        double seconds = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        IVectorIndexSummary summary = IVectorIndexSummary.Of(collection);
        return new AnnRun
        {
            Index = _index.Name,
            BuildParams = _index.Parameters.ToDictionary(p => p.Key, p => (object)p.Value),
            BuildSeconds = Math.Round(buildSeconds, 3),
            IndexBytes = summary.Bytes,
            SearchParams = searchParamsJson,
            Threads = threads,
            K = k,
            RecallAtK = Math.Round(Recall(found, k), 5),
            Qps = Math.Round(queries.Length / seconds, 1),
            P50Us = Math.Round(Percentile(latencies, 0.50), 1),
            P99Us = Math.Round(Percentile(latencies, 0.99), 1),
        };
    }

    private static void RunRange(Collection collection, SearchRequest[] requests, IReadOnlyList<ScoredPoint>[] found, double[] latencies, int from, int to)
    {
        for (int i = from; i < to; i++)
        {
            long start = Stopwatch.GetTimestamp();
            found[i] = collection.Search(requests[i]);
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
    }

    private double Recall(IReadOnlyList<ScoredPoint>[] found, int k)
    {
        double total = 0;
        for (int q = 0; q < found.Length; q++)
        {
            var truth = new HashSet<int>(_dataset.GroundTruth[q].Take(k));
            total += found[q].Count(p => truth.Contains((int)p.Id.Number)) / (double)k;
        }

        return total / found.Length;
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}

/// <summary>Memory a collection's index structures and vectors take.</summary>
internal readonly record struct IVectorIndexSummary(long Bytes)
{
    public static IVectorIndexSummary Of(Collection collection)
    {
        CollectionInfo info = collection.GetInfo();
        long stride = (collection.Dimension + 15) & ~15;
        return new IVectorIndexSummary((info.PointCount * stride * sizeof(float)) + info.IndexMemoryBytes);
    }
}
