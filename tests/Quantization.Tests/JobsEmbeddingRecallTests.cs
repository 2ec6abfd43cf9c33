using System.IO.Compression;
using VectorEngine.Hnsw;
using VectorEngine.Hnsw.Tests;
using VectorEngine.Quantization.Scalar;
using Xunit.Abstractions;

namespace VectorEngine.Quantization.Tests;

/// <summary>
/// Recall on real sentence embeddings (all-MiniLM-L6-v2 of job postings, Data/README.md): the vectors this product's
/// users store, with their near-duplicates and uneven spectrum. Float HNSW finds the true neighbours, and int8 codes
/// with default settings keep its recall.
/// </summary>
public sealed class JobsEmbeddingRecallTests(ITestOutputHelper output)
{
    private const int Dim = 384;
    private const int Base = 2_000;
    private const int K = 10;
    private static readonly HnswParameters Float = new() { M = 16, EfConstruction = 100, BuildThreads = 1 };

    [Fact]
    public void Float_hnsw_finds_the_true_neighbours_and_int8_keeps_its_recall_at_every_ef()
    {
        float[][] rows = Load();
        using var harness = new IndexHarness(DistanceMetric.Cosine, Dim, Base);
        harness.Append(rows[..Base]);
        float[][] queries = rows[Base..];
        using HnswIndex floats = HnswIndex.Build(harness.Store, Float);
        using HnswIndex codes = HnswIndex.Build(harness.Store, Float with { Quantizer = new Int8Parameters() }, new Int8QuantizerFactory());
        HashSet<uint>[] truth = queries.Select(q => harness.Exact(q, K)).ToArray();
        output.WriteLine($"{((Int8Codes)codes.Codes!).Choice}");
        foreach (int ef in new[] { 16, 32, 64, 128 })
        {
            double expected = harness.Recall(floats, queries, truth, K, ef);
            double actual = harness.Recall(codes, queries, truth, K, ef);
            output.WriteLine($"ef={ef}: float {expected:F3} int8 {actual:F3}");
            Assert.True(actual >= expected - 0.005, $"ef={ef}: int8 {actual:F3} vs float {expected:F3}");
            if (ef >= 64)
            {
                Assert.True(expected >= 0.99, $"ef={ef}: float recall {expected:F3}");
            }
        }
    }

    /// <summary>The 2,000 base rows then the 100 queries, widened from float16.</summary>
    private static float[][] Load()
    {
        using var gzip = new GZipStream(File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Data", "jobs-minilm-2000+100.f16.gz")), CompressionMode.Decompress);
        using var bytes = new MemoryStream();
        gzip.CopyTo(bytes);
        ReadOnlySpan<Half> values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(bytes.GetBuffer().AsSpan(0, (int)bytes.Length));
        Assert.Equal((Base + 100) * Dim, values.Length);
        var rows = new float[Base + 100][];
        for (int r = 0; r < rows.Length; r++)
        {
            rows[r] = new float[Dim];
            for (int d = 0; d < Dim; d++)
            {
                rows[r][d] = (float)values[(r * Dim) + d];
            }
        }

        return rows;
    }
}
