using System.Diagnostics;
using VectorEngine.Tests.TestKit;
using Xunit.Abstractions;

namespace VectorEngine.Hnsw.Tests;

/// <summary>Sealing builds a segment's HNSW graph beside the published segment set: searches never wait for it.</summary>
public sealed class SealWhileSearchingTests(ITestOutputHelper output)
{
    private const int Dim = 16;
    private const int Points = 100_000;

    [Fact]
    public async Task Searches_during_the_seal_of_a_100k_point_segment_do_not_wait_for_its_graph()
    {
        using TempDirectory dir = Data.TempDir();
        var options = new VectorDatabaseOptions { EnableBackgroundOptimizer = false, WalSyncMode = WalSyncMode.None }
            // One build thread, so the searching thread keeps the other core of a 2-core runner.
            .UseHnsw(new HnswParameters { M = 12, EfConstruction = 64, BuildThreads = 1 });
        using VectorDatabase db = VectorDatabase.Open(dir.Path, options);
        Collection searched = db.CreateCollection("searched", new CollectionOptions(Dim, DistanceMetric.L2));
        Collection other = db.CreateCollection("other", new CollectionOptions(Dim, DistanceMetric.L2));
        float[][] vectors = Clustered.Vectors(71, Points, Dim);
        for (int start = 0; start < Points; start += 10_000)
        {
            Point[] batch = Enumerable.Range(start, 10_000).Select(i => new Point((ulong)i, vectors[i])).ToArray();
            searched.Upsert(batch);
            other.Upsert(batch);
        }

        float[][] queries = Clustered.Vectors(72, 64, Dim);
        int next = 0;
        double Search()
        {
            long started = Stopwatch.GetTimestamp();
            IReadOnlyList<ScoredPoint> hits = searched.Search(queries[next++ % queries.Length], 10);
            Assert.Equal(10, hits.Count);
            return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        List<double> SearchUntil(Task done)
        {
            var latencies = new List<double>();
            var clock = Stopwatch.StartNew();
            while (!done.IsCompleted && clock.Elapsed < TimeSpan.FromMinutes(2))
            {
                latencies.Add(Search());
            }

            return latencies;
        }

        // Warm up (tiered JIT), then three phases over the same 100k unsealed points: no other work; while the other
        // collection seals (the same build on the other core, so the same CPU and cache pressure, but nothing to wait
        // for); and while this collection seals.
        SearchUntil(Task.Delay(500));
        List<double> idle = SearchUntil(Task.Delay(1000));
        List<double> besideBuild = SearchUntil(Task.Factory.StartNew(other.Checkpoint, TaskCreationOptions.LongRunning));
        var sealClock = Stopwatch.StartNew();
        Task seal = Task.Factory.StartNew(searched.Checkpoint, TaskCreationOptions.LongRunning);
        List<double> duringSeal = SearchUntil(seal);
        await seal;

        output.WriteLine($"seal {sealClock.Elapsed.TotalSeconds:F1} s; p50/p99/max ms: idle {Describe(idle)}; " +
            $"beside the other collection's seal {Describe(besideBuild)}; during this collection's seal {Describe(duringSeal)}");
        Assert.Equal(2, searched.GetInfo().SegmentCount);
        Assert.True(duringSeal.Count >= 20, $"only {duringSeal.Count} searches ran during the seal");
        double reference = Percentile(besideBuild, 0.99), p99 = Percentile(duringSeal, 0.99);
        Assert.True(p99 <= 3 * reference, $"p99 during the seal {p99:F2} ms against {reference:F2} ms beside an equal build");
    }

    private static string Describe(List<double> latencies) =>
        $"{Percentile(latencies, 0.5):F2}/{Percentile(latencies, 0.99):F2}/{latencies.Max():F1} (n={latencies.Count})";

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }
}
