using VectorEngine.Hnsw;
using VectorEngine.Hnsw.Tests;
using VectorEngine.Indexing;
using VectorEngine.Quantization.Scalar;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Quantization.Tests;

/// <summary>HNSW traversing int8 codes: recall next to the float graph, no allocation, persistence, bad parameters.</summary>
public sealed class HnswInt8Tests
{
    // 96 dimensions: a code row is 112 bytes against 384 for floats (0.29x); the 8 bytes of per-row terms weigh more
    // on very short vectors.
    private const int Dim = 96;

    private static readonly HnswParameters Float = new() { M = 12, EfConstruction = 100, BuildThreads = 1 };
    private static readonly HnswParameters Int8 = Float with { Quantization = Int8QuantizerFactory.QuantizerName };

    [Theory]
    [InlineData(DistanceMetric.L2)]
    [InlineData(DistanceMetric.Cosine)]
    public void Recall_with_int8_codes_stays_within_0_01_of_the_float_graph_at_each_ef(DistanceMetric metric)
    {
        using var harness = new IndexHarness(metric, Dim, 4_000);
        harness.Append(Clustered.Vectors(11, 4_000, Dim));
        float[][] queries = Clustered.Vectors(12, 100, Dim);
        using HnswIndex floats = HnswIndex.Build(harness.Store, Float);
        using HnswIndex codes = HnswIndex.Build(harness.Store, Int8, new Int8QuantizerFactory());
        Assert.NotNull(codes.Codes);
        Assert.True(codes.CodeMemoryBytes < 0.3 * harness.Store.Count * harness.Store.Stride * sizeof(float), $"{codes.CodeMemoryBytes} code bytes");
        foreach (int ef in new[] { 16, 32, 64 })
        {
            double expected = harness.Recall(floats, queries, 10, ef);
            double actual = harness.Recall(codes, queries, 10, ef);
            Assert.True(actual >= expected - 0.01, $"ef={ef}: int8 {actual:F4} vs float {expected:F4}");
        }
    }

    [Fact]
    public void Without_rescoring_the_distances_are_the_codes_approximations_and_recall_still_holds()
    {
        using var harness = new IndexHarness(DistanceMetric.L2, Dim, 3_000);
        harness.Append(Clustered.Vectors(21, 3_000, Dim));
        using HnswIndex index = HnswIndex.Build(harness.Store, Int8 with { Rescore = false }, new Int8QuantizerFactory());
        double recall = harness.Recall(index, Clustered.Vectors(22, 60, Dim), 10, 64);
        Assert.True(recall >= 0.85, $"recall {recall:F3}");
    }

    [Fact]
    public void A_warm_int8_search_allocates_nothing()
    {
        using var harness = new IndexHarness(DistanceMetric.L2, Dim, 2_000);
        harness.Append(Clustered.Vectors(31, 2_000, Dim));
        using HnswIndex index = HnswIndex.Build(harness.Store, Int8, new Int8QuantizerFactory());
        float[] query = Clustered.Vectors(32, 1, Dim)[0];
        var collector = new TopKCollector(10);
        var parameters = new SearchParams { Ef = 64 };
        var live = new LiveFilter(harness.Deleted);
        Assert.Equal(0, Allocations.OfWarm(() =>
        {
            collector.Reset(10);
            index.Search(query, parameters, live, collector);
        }));
    }

    [Fact]
    public void A_reopened_database_loads_the_codes_and_answers_identically_and_damaged_codes_are_retrained()
    {
        float[][] vectors = Clustered.Vectors(41, 3_000, Dim);
        float[][] queries = Clustered.Vectors(42, 30, Dim);
        using TempDirectory dir = Data.TempDir();
        List<ulong[]> first;
        string codesFile;
        using (VectorDatabase db = VectorDatabase.Open(dir.Path, Options()))
        {
            Collection c = db.CreateCollection("c", new CollectionOptions(Dim, DistanceMetric.L2) { Index = HnswOptionsExtensions.Spec(Int8) });
            c.Upsert(vectors.Select((v, i) => new Point((ulong)i, v)).ToArray());
            c.Checkpoint();
            CollectionInfo info = c.GetInfo();
            Assert.True(info.SearchedVectorBytes < 0.3 * vectors.Length * Dim * sizeof(float), $"{info.SearchedVectorBytes} bytes searched");
            first = queries.Select(q => c.Search(q, 10).Select(h => h.Id.Number).ToArray()).ToList();
            codesFile = Directory.GetFiles(dir.Path, Int8Codes.FileName, SearchOption.AllDirectories).Single();
        }

        DateTime written = File.GetLastWriteTimeUtc(codesFile);
        using (VectorDatabase db = VectorDatabase.Open(dir.Path, Options()))
        {
            Collection c = db.GetCollection("c");
            Assert.Equal(first, queries.Select(q => c.Search(q, 10).Select(h => h.Id.Number).ToArray()).ToList());
        }

        Assert.Equal(written, File.GetLastWriteTimeUtc(codesFile));
        byte[] damaged = File.ReadAllBytes(codesFile);
        damaged[damaged.Length / 2] ^= 0x5A;
        File.WriteAllBytes(codesFile, damaged);
        using (VectorDatabase db = VectorDatabase.Open(dir.Path, Options()))
        {
            Collection c = db.GetCollection("c");
            Assert.Equal(first, queries.Select(q => c.Search(q, 10).Select(h => h.Id.Number).ToArray()).ToList());
        }

        Assert.NotEqual(damaged, File.ReadAllBytes(codesFile));
    }

    [Fact]
    public void Bad_quantization_parameters_are_refused_and_nothing_is_created()
    {
        using TempDirectory dir = Data.TempDir();
        using VectorDatabase db = VectorDatabase.Open(dir.Path, Options());
        void Create(HnswParameters parameters) =>
            db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2) { Index = HnswOptionsExtensions.Spec(parameters) });

        Assert.Contains("'pq4'", Assert.Throws<VectorEngineArgumentException>(() => Create(Float with { Quantization = "pq4" })).Message);
        Assert.Contains("granularity", Assert.Throws<VectorEngineArgumentException>(() =>
            Create(Int8 with { QuantizerParameters = new Dictionary<string, string> { ["granularity"] = "row" } })).Message);
        Assert.Contains("quantile", Assert.Throws<VectorEngineArgumentException>(() =>
            Create(Int8 with { QuantizerParameters = new Dictionary<string, string> { ["quantile"] = "0.2" } })).Message);
        Assert.Throws<VectorEngineArgumentException>(() => HnswParameters.Parse(new Dictionary<string, string> { ["quantizer.quantile"] = "0.9" }));
        Assert.Throws<VectorEngineArgumentException>(() => Create(Int8 with { Oversampling = 0.5 }));
        Assert.Empty(db.ListCollections());

        using TempDirectory plain = Data.TempDir();
        using VectorDatabase withoutQuantizers = VectorDatabase.Open(plain.Path, new VectorDatabaseOptions { EnableBackgroundOptimizer = false }.UseHnsw());
        Assert.Contains("UseQuantization", Assert.Throws<VectorEngineArgumentException>(() =>
            withoutQuantizers.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2) { Index = HnswOptionsExtensions.Spec(Int8) })).Message);
    }

    private static VectorDatabaseOptions Options() =>
        new VectorDatabaseOptions { EnableBackgroundOptimizer = false, WalSyncMode = WalSyncMode.None }.UseHnsw().UseQuantization();
}
