using VectorEngine.Hnsw;
using VectorEngine.Hnsw.Tests;
using VectorEngine.Indexing;
using VectorEngine.Quantization.Binary;
using VectorEngine.Quantization.Product;

namespace VectorEngine.Quantization.Tests;

/// <summary>HNSW traversing PQ and binary codes, rescored with the floats.</summary>
public sealed class HnswCodesTests
{
    private static readonly HnswParameters Float = new() { M = 12, EfConstruction = 100, BuildThreads = 1 };

    [Fact]
    public void PQ_codes_with_rescoring_recall_within_0_02_of_the_float_graph()
    {
        const int Dim = 64;
        using var harness = new IndexHarness(DistanceMetric.L2, Dim, 3_000);
        harness.Append(Clustered.Vectors(51, 3_000, Dim));
        float[][] queries = Clustered.Vectors(52, 60, Dim);
        using HnswIndex floats = HnswIndex.Build(harness.Store, Float);
        var pq = new Dictionary<string, string> { ["m"] = "16" };
        // Clustered noise makes near neighbours close relative to PQ's error: 10 candidates per result are rescored
        // (4 gave 0.90 against the float graph's 0.97).
        using HnswIndex codes = HnswIndex.Build(
            harness.Store, Float with { Quantization = PqQuantizerFactory.QuantizerName, Oversampling = 10, QuantizerParameters = pq },
            new PqQuantizerFactory());
        Assert.Equal(16, codes.Codes!.BytesPerVector);
        double expected = harness.Recall(floats, queries, 10, 64);
        double actual = harness.Recall(codes, queries, 10, 64);
        Assert.True(actual >= expected - 0.02, $"pq {actual:F4} vs float {expected:F4}");
    }

    [Theory]
    // Measured at ef=128: low-rank 0.99 with oversampling 4 (768 and 1536-d); gaussian 0.56 with 4, 0.70-0.72 with 10.
    [InlineData(768, "low-rank", 4, 0.95)]
    [InlineData(1536, "low-rank", 4, 0.95)]
    [InlineData(768, "gaussian", 10, 0.65)]
    [InlineData(1536, "gaussian", 10, 0.65)]
    public void Binary_codes_of_normalised_embeddings_with_rescoring_hold_recall(int dim, string data, double oversampling, double minimum)
    {
        using var harness = new IndexHarness(DistanceMetric.Cosine, dim, 2_000);
        harness.Append(Embeddings(data, 61, 2_000, dim));
        float[][] queries = Embeddings(data, 62, 40, dim);
        using HnswIndex codes = HnswIndex.Build(
            harness.Store, Float with { Quantization = BinaryQuantizerFactory.QuantizerName, Oversampling = oversampling },
            new BinaryQuantizerFactory());
        Assert.Equal(dim / 8, codes.Codes!.BytesPerVector);
        double recall = harness.Recall(codes, queries, 10, 128);
        Assert.True(recall >= minimum, $"{dim}-d {data}, oversampling {oversampling}: binary recall {recall:F4}");
    }

    /// <summary>
    /// "gaussian": i.i.d. normal coordinates (no structure at all, the hardest case for one bit per dimension);
    /// "low-rank": a 48-d latent vector through a fixed random 48 × dim map plus 10% noise, like text embeddings,
    /// whose neighbourhoods live in far fewer dimensions than they are written in.
    /// </summary>
    private static float[][] Embeddings(string data, int seed, int count, int dim)
    {
        if (data == "gaussian")
        {
            return Gaussian(seed, count, dim);
        }

        const int Latent = 48;
        float[][] map = Gaussian(7, Latent, dim);
        float[][] latent = Gaussian(seed, count, Latent);
        float[][] noise = Gaussian(seed + 1000, count, dim);
        return Enumerable.Range(0, count).Select(i => Enumerable.Range(0, dim).Select(d =>
            Enumerable.Range(0, Latent).Sum(l => latent[i][l] * map[l][d]) / MathF.Sqrt(Latent) + (0.1f * noise[i][d])).ToArray()).ToArray();
    }

    [Fact]
    public void Bad_PQ_and_binary_parameters_are_refused_at_creation_and_nothing_is_created()
    {
        using VectorEngine.Tests.TestKit.TempDirectory dir = VectorEngine.Tests.TestKit.Data.TempDir();
        using VectorDatabase db = VectorDatabase.Open(dir.Path,
            new VectorDatabaseOptions { EnableBackgroundOptimizer = false, WalSyncMode = WalSyncMode.None }.UseHnsw().UseQuantization());
        void Create(string quantizer, Dictionary<string, string> parameters) =>
            db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2)
            {
                Index = HnswOptionsExtensions.Spec(Float with { Quantization = quantizer, QuantizerParameters = parameters }),
            });

        Assert.Contains("divide", Assert.Throws<VectorEngineArgumentException>(() => Create("pq", new() { ["m"] = "3" })).Message);
        Assert.Contains("nbits", Assert.Throws<VectorEngineArgumentException>(() => Create("pq", new() { ["nbits"] = "4" })).Message);
        Assert.Contains("no parameters", Assert.Throws<VectorEngineArgumentException>(() => Create("binary", new() { ["bits"] = "2" })).Message);
        Assert.Empty(db.ListCollections());
    }

    private static float[][] Gaussian(int seed, int count, int dim)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, dim).Select(_ =>
            (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))).ToArray()).ToArray();
    }
}
