using VectorEngine.Filters;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Hnsw.Tests;

/// <summary>HNSW inside a database: the default index, filtered search, deletes with the optimizer, persistence.</summary>
public class EngineTests
{
    private const int Dim = 24;

    private static VectorDatabaseOptions Options(int? exactFilterThreshold = null) =>
        new VectorDatabaseOptions { EnableBackgroundOptimizer = false, WalSyncMode = WalSyncMode.None, ExactFilterThreshold = exactFilterThreshold }
            .UseHnsw(new HnswParameters { M = 12, EfConstruction = 100 });

    [Fact]
    public void UseHnsw_makes_hnsw_the_index_of_new_collections()
    {
        using TempDirectory dir = Data.TempDir();
        using VectorDatabase db = VectorDatabase.Open(dir.Path, Options());
        Collection c = db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2));
        Assert.Equal("hnsw", c.GetInfo().IndexName);
        Collection flat = db.CreateCollection("f", new CollectionOptions(4, DistanceMetric.L2) { Index = VectorEngine.Indexing.IndexSpec.Flat });
        Assert.Equal("flat", flat.GetInfo().IndexName);
    }

    [Fact]
    public void A_database_without_UseHnsw_refuses_to_create_an_hnsw_collection()
    {
        using TempDirectory dir = Data.TempDir();
        using VectorDatabase db = VectorDatabase.Open(dir.Path, new VectorDatabaseOptions { EnableBackgroundOptimizer = false });
        var e = Assert.Throws<VectorEngineArgumentException>(() =>
            db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2) { Index = HnswOptionsExtensions.Spec() }));
        Assert.Contains("hnsw", e.Message);
        Assert.Empty(db.ListCollections());
    }

    [Theory]
    [InlineData(0.5, 200)]
    [InlineData(0.1, 200)]
    [InlineData(0.01, 200)]
    [InlineData(0.001, 200)]
    [InlineData(0.5, null)]
    [InlineData(0.1, null)]
    [InlineData(0.02, null)]
    public void Filtered_search_keeps_recall_at_every_selectivity(double selectivity, int? exactFilterThreshold)
    {
        // 10k points with a random keyword; with a fixed threshold of 200 matches, 50% and 10% traverse the graph with
        // the filter inside it, 1% and 0.1% are scanned exactly. The cost model traverses at
        // 50% and scans at 10% and 2% (about 2,800 at the ef of 128 searched here: at the default 64 the 50% case sat at
        // 0.952-0.953, too close to the bar for a graph built on several threads). Every plan must reach recall@10 >= 0.95.
        const int N = 10_000;
        float[][] vectors = Clustered.Vectors(61, N, Dim);
        var random = new Random(62);
        string[] tags = vectors.Select(_ => random.NextDouble() < selectivity ? "match" : "other" + random.Next(20)).ToArray();
        using TempDirectory dir = Data.TempDir();
        using VectorDatabase db = VectorDatabase.Open(dir.Path, Options(exactFilterThreshold));
        var options = new CollectionOptions(Dim, DistanceMetric.L2);
        options.PayloadIndexes["tag"] = PayloadIndexType.Keyword;
        Collection c = db.CreateCollection("c", options);
        c.Upsert(vectors.Select((v, i) => new Point((ulong)i, v, new Payload { ["tag"] = tags[i] })).ToArray());
        c.Checkpoint();

        var filter = new Filter { Must = [Condition.Match("tag", "match")] };
        var matching = Enumerable.Range(0, N).Where(i => tags[i] == "match").Select(i => ((ulong)i, vectors[i])).ToList();
        Assert.NotEmpty(matching);
        double total = 0;
        float[][] queries = Clustered.Vectors(63, 60, Dim);
        foreach (float[] q in queries)
        {
            HashSet<ulong> truth = BruteForce.TopK(DistanceMetric.L2, q, matching, 10).Select(x => x.Id).ToHashSet();
            IReadOnlyList<ScoredPoint> hits = c.Search(new SearchRequest(q, 10) { Filter = filter, WithPayload = true, Params = new SearchParams { Ef = 128 } });
            Assert.All(hits, h => Assert.Equal("match", h.Payload!["tag"].AsString));
            total += hits.Count(h => truth.Contains(h.Id.Number)) / (double)Math.Min(10, truth.Count);
        }

        double recall = total / queries.Length;
        Assert.True(recall >= 0.95, $"recall@10 {recall:F3} at selectivity {selectivity}");
    }

    [Fact]
    public void Deletes_and_new_points_keep_recall_and_the_optimizer_rebuilds_the_graph()
    {
        const int N = 6_000;
        float[][] initial = Clustered.Vectors(71, N, Dim);
        float[][] added = Clustered.Vectors(72, N * 3 / 10, Dim);
        using TempDirectory dir = Data.TempDir();
        using VectorDatabase db = VectorDatabase.Open(dir.Path, Options());
        Collection c = db.CreateCollection("c", new CollectionOptions(Dim, DistanceMetric.L2));
        c.Upsert(initial.Select((v, i) => new Point((ulong)i, v)).ToArray());
        c.Checkpoint();

        var random = new Random(73);
        PointId[] victims = Enumerable.Range(0, N).OrderBy(_ => random.Next()).Take(N * 3 / 10).Select(i => new PointId((ulong)i)).ToArray();
        c.Delete(victims);
        c.Upsert(added.Select((v, i) => new Point((ulong)(N + i), v)).ToArray());
        c.Checkpoint();

        var deleted = victims.Select(v => v.Number).ToHashSet();
        var live = initial.Select((v, i) => ((ulong)i, v)).Where(p => !deleted.Contains(p.Item1))
            .Concat(added.Select((v, i) => ((ulong)(N + i), v))).ToList();
        float[][] queries = Clustered.Vectors(74, 60, Dim);
        double before = Recall(c, queries, live);
        Assert.True(before >= 0.95, $"recall with tombstones {before:F3}");

        Assert.True(c.Optimize() > 0);
        double after = Recall(c, queries, live);
        Assert.True(after >= 0.95, $"recall after the optimizer {after:F3}");
        Assert.True(c.Search(initial[(int)victims[0].Number], 10).All(h => !deleted.Contains(h.Id.Number)));
    }

    [Fact]
    public void A_point_deleted_from_a_sealed_segment_stays_out_of_results_after_a_reopen()
    {
        // Searches skip the tombstone test while a segment has none: the count that says so must see a delete on a
        // sealed segment at once and again after a reopen (the loaded tombstones' count: BitsetTests).
        float[][] vectors = Clustered.Vectors(91, 2_000, Dim);
        using TempDirectory dir = Data.TempDir();
        using (VectorDatabase db = VectorDatabase.Open(dir.Path, Options()))
        {
            Collection c = db.CreateCollection("c", new CollectionOptions(Dim, DistanceMetric.L2));
            c.Upsert(vectors.Select((v, i) => new Point((ulong)i, v)).ToArray());
            c.Checkpoint();
            Assert.Equal(7ul, c.Search(vectors[7], 1)[0].Id.Number);
            c.Delete([new PointId(7)]);
            Assert.DoesNotContain(c.Search(vectors[7], 10), h => h.Id.Number == 7);
        }

        using (VectorDatabase db = VectorDatabase.Open(dir.Path, Options()))
        {
            IReadOnlyList<ScoredPoint> hits = db.GetCollection("c").Search(vectors[7], 10);
            Assert.DoesNotContain(hits, h => h.Id.Number == 7);
            Assert.Equal(10, hits.Count);
        }
    }

    [Fact]
    public void A_reopened_database_loads_the_saved_graph_and_answers_identically()
    {
        float[][] vectors = Clustered.Vectors(81, 4_000, Dim);
        float[][] queries = Clustered.Vectors(82, 40, Dim);
        using TempDirectory dir = Data.TempDir();
        List<(PointId Id, float Score)[]> first;
        using (VectorDatabase db = VectorDatabase.Open(dir.Path, Options()))
        {
            Collection c = db.CreateCollection("c", new CollectionOptions(Dim, DistanceMetric.Cosine));
            c.Upsert(vectors.Select((v, i) => new Point((ulong)i, v)).ToArray());
            c.Checkpoint();
            first = queries.Select(q => c.Search(q, 10).Select(h => (h.Id, h.Score)).ToArray()).ToList();
        }

        string[] graphs = Directory.GetFiles(dir.Path, "hnsw.graph", SearchOption.AllDirectories);
        Assert.Single(graphs);
        DateTime written = File.GetLastWriteTimeUtc(graphs[0]);
        using (VectorDatabase db = VectorDatabase.Open(dir.Path, Options()))
        {
            Collection c = db.GetCollection("c");
            for (int i = 0; i < queries.Length; i++)
            {
                Assert.Equal(first[i], c.Search(queries[i], 10).Select(h => (h.Id, h.Score)).ToArray());
            }
        }

        Assert.Equal(written, File.GetLastWriteTimeUtc(graphs[0]));
    }

    [Fact]
    public void A_damaged_graph_file_is_rebuilt_instead_of_failing_the_open()
    {
        float[][] vectors = Clustered.Vectors(91, 3_000, Dim);
        using TempDirectory dir = Data.TempDir();
        using (VectorDatabase db = VectorDatabase.Open(dir.Path, Options()))
        {
            Collection c = db.CreateCollection("c", new CollectionOptions(Dim, DistanceMetric.L2));
            c.Upsert(vectors.Select((v, i) => new Point((ulong)i, v)).ToArray());
            c.Checkpoint();
        }

        string graph = Directory.GetFiles(dir.Path, "hnsw.graph", SearchOption.AllDirectories).Single();
        byte[] bytes = File.ReadAllBytes(graph);
        bytes[bytes.Length / 2] ^= 0x5A;
        File.WriteAllBytes(graph, bytes);

        using (VectorDatabase db = VectorDatabase.Open(dir.Path, Options()))
        {
            Collection c = db.GetCollection("c");
            var points = vectors.Select((v, i) => ((ulong)i, v)).ToList();
            Assert.True(Recall(c, Clustered.Vectors(92, 40, Dim), points) >= 0.95);
        }
    }

    private static double Recall(Collection c, float[][] queries, List<(ulong Id, float[] Vector)> live)
    {
        double total = 0;
        foreach (float[] q in queries)
        {
            HashSet<ulong> truth = BruteForce.TopK(c.Metric, q, live, 10).Select(x => x.Id).ToHashSet();
            total += c.Search(q, 10).Count(h => truth.Contains(h.Id.Number)) / 10.0;
        }

        return total / queries.Length;
    }
}
