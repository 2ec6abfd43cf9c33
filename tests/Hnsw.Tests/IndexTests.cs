using FsCheck;
using FsCheck.Fluent;
using VectorEngine.Indexing;

namespace VectorEngine.Hnsw.Tests;

/// <summary>The graph on its own: recall, deletes with inserts, concurrency, allocation, determinism.</summary>
public class IndexTests
{
    private static readonly HnswParameters Small = new() { M = 12, EfConstruction = 100 };

    [Fact]
    public void Recall_on_random_data_holds_for_every_metric_and_shape()
    {
        // Random data sets, metrics and dimensions (including ones that are not multiples of 16): recall@10 against the
        // float64 brute force must stay at or above 0.95 at ef=96 with the default M and efConstruction — ef=192 for inner product on unnormalised vectors,
        // where the largest-norm points are everybody's neighbours and the graph's greedy routing has a harder time.
        Gen<(int Seed, DistanceMetric Metric, int Dim)> cases =
            from seed in Gen.Choose(1, 1_000_000)
            from metric in Gen.Elements(DistanceMetric.L2, DistanceMetric.Cosine, DistanceMetric.InnerProduct)
            from dim in Gen.Elements(3, 16, 37, 100)
            select (seed, metric, dim);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            using var harness = new IndexHarness(c.Metric, c.Dim);
            harness.Append(Clustered.Vectors(c.Seed, 2_000, c.Dim));
            using HnswIndex index = HnswIndex.Build(harness.Store, new HnswParameters());
            float[][] queries = Clustered.Vectors(c.Seed + 1, 40, c.Dim);
            double recall = harness.Recall(index, queries, 10, c.Metric == DistanceMetric.InnerProduct ? 192 : 96);
            return (recall >= 0.95).Label($"recall {recall:F3} for {c}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(8));
    }

    [Fact]
    public void Deleting_30_percent_and_inserting_as_many_keeps_recall_within_0_01_of_a_fresh_build()
    {
        const int N = 5_000, Dim = 24, Ef = 32;
        float[][] initial = Clustered.Vectors(11, N, Dim);
        float[][] added = Clustered.Vectors(12, N * 3 / 10, Dim);
        float[][] queries = Clustered.Vectors(13, 100, Dim);

        using var churned = new IndexHarness(DistanceMetric.L2, Dim);
        churned.Append(initial);
        using HnswIndex index = HnswIndex.Build(churned.Store, Small);
        var random = new Random(14);
        foreach (int victim in Enumerable.Range(0, N).OrderBy(_ => random.Next()).Take(N * 3 / 10))
        {
            churned.Deleted.Set((uint)victim);
        }

        churned.Append(added);
        index.Add((uint)N);
        double churnedRecall = churned.Recall(index, queries, 10, Ef);

        using var fresh = new IndexHarness(DistanceMetric.L2, Dim);
        fresh.Append(initial.Where((_, i) => !churned.Deleted.Get((uint)i)).Concat(added));
        using HnswIndex freshIndex = HnswIndex.Build(fresh.Store, Small);
        double freshRecall = fresh.Recall(freshIndex, queries, 10, Ef);

        Assert.True(churnedRecall >= freshRecall - 0.01, $"after churn {churnedRecall:F4}, fresh build {freshRecall:F4}");
    }

    [Fact]
    public void A_deleted_node_is_never_returned_but_still_routes()
    {
        using var harness = new IndexHarness(DistanceMetric.L2, 8);
        harness.Append(Clustered.Vectors(21, 1_000, 8));
        using HnswIndex index = HnswIndex.Build(harness.Store, Small);

        // Delete everything but a handful: the survivors are reachable only through deleted nodes.
        var survivors = new HashSet<uint> { 3, 500, 999 };
        for (uint i = 0; i < 1_000; i++)
        {
            if (!survivors.Contains(i))
            {
                harness.Deleted.Set(i);
            }
        }

        uint[] found = harness.Search(index, harness.Vectors[7], 10, 16);
        Assert.Equal(survivors.Order(), found.Order());
    }

    [Fact]
    public void Searches_run_safely_while_points_are_added()
    {
        const int Dim = 16;
        float[][] all = Clustered.Vectors(31, 6_000, Dim);
        // The store itself is not thread-safe to grow (the engine adds under its write lock), so it starts with room
        // for every row; the graph grows while the readers run.
        using var harness = new IndexHarness(DistanceMetric.L2, Dim, capacity: all.Length);
        harness.Append(all.Take(1_000));
        using HnswIndex index = HnswIndex.Build(harness.Store, Small);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        int searches = 0;
        Exception? failure = null;
        Thread[] readers = Enumerable.Range(0, 2).Select(r => new Thread(() =>
        {
            var collector = new TopKCollector(10);
            var distances = new float[10];
            var offsets = new uint[10];
            var deleted = new Bitset();
            try
            {
                for (int i = 0; i < 100_000 && !stop.IsCancellationRequested; i++)
                {
                    collector.Reset(10);
                    index.Search(all[((i * 7) + r) % all.Length], new SearchParams { Ef = 32 }, new LiveFilter(deleted), collector);
                    int n = collector.DrainSorted(distances, offsets);
                    Assert.True(n > 0);
                    Assert.All(offsets[..n], o => Assert.True(o < index.Count || o < harness.Store.Count));
                    for (int j = 1; j < n; j++)
                    {
                        Assert.True(distances[j - 1] <= distances[j]);
                    }

                    Interlocked.Increment(ref searches);
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        })).ToArray();
        foreach (Thread reader in readers)
        {
            reader.Start();
        }

        for (int from = 1_000; from < all.Length; from += 500)
        {
            harness.Append(all.Skip(from).Take(500));
            index.Add((uint)from);
        }

        stop.Cancel();
        foreach (Thread reader in readers)
        {
            reader.Join();
        }

        Assert.Null(failure);
        Assert.True(searches > 0);
        Assert.Equal(all.Length, index.Count);
        // ef 128: at 64 the graph grown under concurrent readers sat at 0.950-0.964, too close to the bar to be stable.
        double recall = harness.Recall(index, Clustered.Vectors(32, 50, Dim), 10, 128);
        Assert.True(recall >= 0.95, $"recall {recall:F4} after concurrent inserts");
    }

    [Fact]
    public void A_warm_search_allocates_nothing()
    {
        using var harness = new IndexHarness(DistanceMetric.L2, 32);
        harness.Append(Clustered.Vectors(41, 2_000, 32));
        using HnswIndex index = HnswIndex.Build(harness.Store, Small);
        float[][] queries = Clustered.Vectors(42, 20, 32);
        var collector = new TopKCollector(10);
        var live = new LiveFilter(harness.Deleted);
        var parameters = new SearchParams { Ef = 64 };
        foreach (float[] q in queries)
        {
            collector.Reset(10);
            index.Search(q, parameters, live, collector);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            collector.Reset(10);
            index.Search(queries[i % queries.Length], parameters, live, collector);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void One_build_thread_and_one_seed_give_the_same_graph()
    {
        HnswParameters oneThread = Small with { BuildThreads = 1, Seed = 5 };
        using var harness = new IndexHarness(DistanceMetric.L2, 12);
        harness.Append(Clustered.Vectors(51, 1_500, 12));
        using HnswIndex a = HnswIndex.Build(harness.Store, oneThread);
        using HnswIndex b = HnswIndex.Build(harness.Store, oneThread);
        foreach (float[] q in Clustered.Vectors(52, 30, 12))
        {
            Assert.Equal(harness.Search(a, q, 10, 20), harness.Search(b, q, 10, 20));
        }

        Assert.Equal(a.MaxLevel, b.MaxLevel);
    }

    [Theory]
    [InlineData("m", "1")]
    [InlineData("m", "x")]
    [InlineData("ef_construction", "0")]
    [InlineData("ef", "-3")]
    [InlineData("layers", "2")]
    [InlineData("build_on_codes", "sometimes")]
    public void Bad_parameters_are_rejected_by_name(string key, string value)
    {
        var e = Assert.Throws<VectorEngineArgumentException>(() => new HnswIndexFactory().Validate(new Dictionary<string, string> { [key] = value }));
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void Build_on_codes_round_trips_through_the_stored_parameters()
    {
        var parameters = new HnswParameters { Quantization = "int8", BuildOnCodes = false };
        HnswParameters read = HnswParameters.Parse(parameters.ToDictionary());
        Assert.False(read.BuildOnCodes);
        Assert.True(HnswParameters.Parse(new Dictionary<string, string> { ["quantization"] = "int8" }).BuildOnCodes);
    }
}
