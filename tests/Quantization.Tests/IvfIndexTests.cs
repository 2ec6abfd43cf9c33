using VectorEngine.Hnsw.Tests;
using VectorEngine.Filters;
using VectorEngine.Indexing;
using VectorEngine.Quantization.Ivf;
using VectorEngine.Quantization.Product;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Quantization.Tests;

/// <summary>IVF-Flat, IVF-SQ8 and IVF-PQ: recall, filters, rows added after training, persistence, bad parameters.</summary>
public sealed class IvfIndexTests
{
    private const int Dim = 32;

    private static IvfParameters Parameters(IvfEncoding encoding) =>
        new() { Encoding = encoding, NList = 40, NProbe = 8, Iterations = 10, Pq = new PqParameters { SubQuantizers = 8, Iterations = 10 } };

    [Theory]
    [InlineData(DistanceMetric.L2)]
    [InlineData(DistanceMetric.Cosine)]
    [InlineData(DistanceMetric.InnerProduct)]
    public void Probing_every_list_of_IVF_Flat_is_exact_and_recall_grows_with_nprobe(DistanceMetric metric)
    {
        using var harness = new IndexHarness(metric, Dim, 3_000);
        harness.Append(Clustered.Vectors(1, 3_000, Dim));
        float[][] queries = Clustered.Vectors(2, 60, Dim);
        using IvfIndex index = IvfIndex.Build(harness.Store, Parameters(IvfEncoding.Flat));
        Assert.Equal(40, index.NList);
        Assert.Equal(3_000, index.ListSizes.Sum());
        Assert.Equal(1.0, harness.Recall(index, queries, 10, new SearchParams { NProbe = 40 }), 6);
        double one = harness.Recall(index, queries, 10, new SearchParams { NProbe = 1 });
        double eight = harness.Recall(index, queries, 10, new SearchParams { NProbe = 8 });
        Assert.True(eight > one && eight >= 0.9, $"nprobe 1: {one:F3}, nprobe 8: {eight:F3}");
    }

    [Theory]
    [InlineData(IvfEncoding.Sq8, DistanceMetric.L2)]
    [InlineData(IvfEncoding.Pq, DistanceMetric.L2)]
    [InlineData(IvfEncoding.Sq8, DistanceMetric.Cosine)]
    [InlineData(IvfEncoding.Pq, DistanceMetric.InnerProduct)]
    public void Codes_with_rescoring_recall_as_well_as_IVF_Flat_within_0_03(IvfEncoding encoding, DistanceMetric metric)
    {
        using var harness = new IndexHarness(metric, Dim, 3_000);
        harness.Append(Clustered.Vectors(3, 3_000, Dim));
        float[][] queries = Clustered.Vectors(4, 60, Dim);
        using IvfIndex flat = IvfIndex.Build(harness.Store, Parameters(IvfEncoding.Flat));
        using IvfIndex codes = IvfIndex.Build(harness.Store, Parameters(encoding));
        Assert.True(codes.CodeMemoryBytes < 0.4 * harness.Store.Count * Dim * sizeof(float), $"{codes.CodeMemoryBytes} code bytes");
        var search = new SearchParams { NProbe = 8 };
        double expected = harness.Recall(flat, queries, 10, search);
        double actual = harness.Recall(codes, queries, 10, search);
        Assert.True(actual >= expected - 0.03, $"{encoding}: {actual:F3} vs flat {expected:F3}");
        double raw = harness.Recall(codes, queries, 10, search with { Rescore = false });
        Assert.True(raw >= 0.5, $"{encoding} without rescoring: {raw:F3}");
    }

    [Fact]
    public void Rows_added_after_training_are_filed_and_found_and_deleted_rows_never_come_back()
    {
        using var harness = new IndexHarness(DistanceMetric.L2, Dim, 4_000);
        float[][] vectors = Clustered.Vectors(5, 4_000, Dim);
        harness.Append(vectors.Take(2_000));
        using IvfIndex index = IvfIndex.Build(harness.Store, Parameters(IvfEncoding.Pq));
        harness.Append(vectors.Skip(2_000));
        index.Add(2_000);
        Assert.Equal(4_000, index.Count);
        Assert.Equal(4_000, index.ListSizes.Sum());

        // Each added row is its own nearest neighbour.
        for (int i = 2_000; i < 4_000; i += 97)
        {
            Assert.Equal((uint)i, harness.Search(index, vectors[i], 1, new SearchParams { NProbe = 4 })[0]);
        }

        for (uint i = 0; i < 4_000; i += 3)
        {
            harness.Deleted.Set(i);
        }

        foreach (float[] query in Clustered.Vectors(6, 30, Dim))
        {
            uint[] found = harness.Search(index, query, 10, new SearchParams { NProbe = 40 });
            Assert.Equal(10, found.Length);
            Assert.DoesNotContain(found, o => o % 3 == 0);
        }

        Assert.True(harness.Recall(index, Clustered.Vectors(7, 40, Dim), 10, new SearchParams { NProbe = 8 }) >= 0.85);
    }

    [Fact]
    public void A_warm_search_allocates_nothing()
    {
        using var harness = new IndexHarness(DistanceMetric.L2, Dim, 2_000);
        harness.Append(Clustered.Vectors(8, 2_000, Dim));
        float[] query = Clustered.Vectors(9, 1, Dim)[0];
        foreach (IvfEncoding encoding in Enum.GetValues<IvfEncoding>())
        {
            using IvfIndex index = IvfIndex.Build(harness.Store, Parameters(encoding));
            var collector = new TopKCollector(10);
            var parameters = new SearchParams { NProbe = 8 };
            var live = new LiveFilter(harness.Deleted);
            Assert.Equal(0, Allocations.OfWarm(() =>
            {
                collector.Reset(10);
                index.Search(query, parameters, live, collector);
            }));
        }
    }

    [Theory]
    [InlineData(IvfEncoding.Flat)]
    [InlineData(IvfEncoding.Sq8)]
    [InlineData(IvfEncoding.Pq)]
    public void A_reopened_database_loads_the_index_answers_identically_and_a_damaged_file_is_rebuilt(IvfEncoding encoding)
    {
        float[][] vectors = Clustered.Vectors(10, 2_500, Dim);
        float[][] queries = Clustered.Vectors(11, 20, Dim);
        using TempDirectory dir = Data.TempDir();
        IndexSpec spec = IvfOptionsExtensions.Spec(Parameters(encoding));
        List<ulong[]> first;
        string file;
        using (VectorDatabase db = VectorDatabase.Open(dir.Path, Options()))
        {
            Collection c = db.CreateCollection("c", new CollectionOptions(Dim, DistanceMetric.L2) { Index = spec });
            c.Upsert(vectors.Select((v, i) => new Point((ulong)i, v)).ToArray());
            c.Checkpoint();
            first = queries.Select(q => c.Search(q, 10).Select(h => h.Id.Number).ToArray()).ToList();
            file = Directory.GetFiles(dir.Path, IvfIndex.FileName, SearchOption.AllDirectories).Single();
            if (encoding != IvfEncoding.Flat)
            {
                Assert.True(c.GetInfo().SearchedVectorBytes < 0.4 * vectors.Length * Dim * sizeof(float));
            }
        }

        DateTime written = File.GetLastWriteTimeUtc(file);
        using (VectorDatabase db = VectorDatabase.Open(dir.Path, Options()))
        {
            Assert.Equal(first, queries.Select(q => db.GetCollection("c").Search(q, 10).Select(h => h.Id.Number).ToArray()).ToList());
        }

        Assert.Equal(written, File.GetLastWriteTimeUtc(file));
        byte[] damaged = File.ReadAllBytes(file);
        damaged[damaged.Length / 2] ^= 0x5A;
        File.WriteAllBytes(file, damaged);
        using (VectorDatabase db = VectorDatabase.Open(dir.Path, Options()))
        {
            Assert.Equal(first, queries.Select(q => db.GetCollection("c").Search(q, 10).Select(h => h.Id.Number).ToArray()).ToList());
        }

        Assert.NotEqual(damaged, File.ReadAllBytes(file));
    }

    [Fact]
    public void Filters_apply_while_lists_are_scanned()
    {
        float[][] vectors = Clustered.Vectors(12, 3_000, Dim);
        using TempDirectory dir = Data.TempDir();

        // Threshold 0: the planner never answers by an exact scan of the matches, so the lists are what is filtered.
        VectorDatabaseOptions engine = Options();
        engine.ExactFilterThreshold = 0;
        using VectorDatabase db = VectorDatabase.Open(dir.Path, engine);
        var options = new CollectionOptions(Dim, DistanceMetric.L2) { Index = IvfOptionsExtensions.Spec(Parameters(IvfEncoding.Pq)) };
        options.PayloadIndexes["parity"] = PayloadIndexType.Keyword;
        Collection c = db.CreateCollection("c", options);
        c.Upsert(vectors.Select((v, i) => new Point((ulong)i, v, new Payload { ["parity"] = i % 2 == 0 ? "even" : "odd" })).ToArray());
        c.Checkpoint();
        var even = new Filter { Must = [Condition.Match("parity", "even")] };
        foreach (float[] query in Clustered.Vectors(13, 20, Dim))
        {
            IReadOnlyList<ScoredPoint> hits = c.Search(new SearchRequest(query, 10) { Filter = even, Params = new SearchParams { NProbe = 16 } });
            Assert.Equal(10, hits.Count);
            Assert.All(hits, h => Assert.Equal(0UL, h.Id.Number % 2));
        }
    }

    [Fact]
    public void Bad_parameters_are_refused_and_nothing_is_created()
    {
        using TempDirectory dir = Data.TempDir();
        using VectorDatabase db = VectorDatabase.Open(dir.Path, Options());
        void Create(Dictionary<string, string> parameters) =>
            db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2) { Index = new IndexSpec(IvfParameters.IndexName, parameters) });

        Assert.Contains("encoding", Assert.Throws<VectorEngineArgumentException>(() => Create(new() { ["encoding"] = "opq" })).Message);
        Assert.Contains("nprobe", Assert.Throws<VectorEngineArgumentException>(() => Create(new() { ["nprobe"] = "0" })).Message);
        Assert.Contains("nbits", Assert.Throws<VectorEngineArgumentException>(() => Create(new() { ["encoding"] = "pq", ["pq.nbits"] = "4" })).Message);
        Assert.Contains("pq.*", Assert.Throws<VectorEngineArgumentException>(() => Create(new() { ["pq.m"] = "4" })).Message);
        Assert.Contains("Unknown", Assert.Throws<VectorEngineArgumentException>(() => Create(new() { ["lists"] = "4" })).Message);

        // Refused at creation, not at the first seal: m must divide the dimension (4).
        Assert.Contains("divide", Assert.Throws<VectorEngineArgumentException>(() => Create(new() { ["encoding"] = "pq", ["pq.m"] = "3" })).Message);
        Assert.Empty(db.ListCollections());
        Assert.Throws<VectorEngineArgumentException>(() => new PqParameters { SubQuantizers = 5 }.SubQuantizersFor(32));
    }

    private static VectorDatabaseOptions Options() =>
        new VectorDatabaseOptions { EnableBackgroundOptimizer = false, WalSyncMode = WalSyncMode.None }.UseIvf();
}
