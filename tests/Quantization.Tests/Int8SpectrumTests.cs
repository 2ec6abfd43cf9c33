using FsCheck;
using FsCheck.Fluent;
using VectorEngine.Hnsw;
using VectorEngine.Hnsw.Tests;
using VectorEngine.Indexing;
using VectorEngine.Quantization.Scalar;
using VectorEngine.Tests.TestKit;
using Xunit.Abstractions;

namespace VectorEngine.Quantization.Tests;

/// <summary>
/// HNSW over int8 codes with default settings keeps the float graph's recall on every spectrum: the code ranges and the
/// oversampling come from the data, not from the spectra the defaults were tuned on.
/// </summary>
public sealed class Int8SpectrumTests(ITestOutputHelper output)
{
    private const int Dim = 96;
    private const int Points = 2_500;
    private const int Queries = 100;
    private const int K = 10;
    private static readonly int[] Efs = [16, 32, 64, 128, 256];
    private static readonly HnswParameters Float = new() { M = 12, EfConstruction = 100, BuildThreads = 1 };

    /// <summary>
    /// Every kind of spectrum with both metrics (a theory row each, so none is left to chance), and FsCheck drawing the
    /// decay exponent and the data within each, shrinking a failure towards α = 0 and seed 0.
    /// </summary>
    [Theory]
    [InlineData(ShapeKind.DecayingSpectrum, DistanceMetric.L2)]
    [InlineData(ShapeKind.DecayingSpectrum, DistanceMetric.Cosine)]
    [InlineData(ShapeKind.DominantDimensions, DistanceMetric.L2)]
    [InlineData(ShapeKind.DominantDimensions, DistanceMetric.Cosine)]
    [InlineData(ShapeKind.TextLike, DistanceMetric.L2)]
    [InlineData(ShapeKind.TextLike, DistanceMetric.Cosine)]
    [InlineData(ShapeKind.IntegerValued, DistanceMetric.L2)]
    [InlineData(ShapeKind.IntegerValued, DistanceMetric.Cosine)]
    public void Int8_recall_stays_within_0_005_of_the_float_graph_at_every_ef_on_every_spectrum(ShapeKind kind, DistanceMetric metric) =>
        Prop.ForAll(DataShape.Arbitrary(kind, metric), Holds).Check(Config.QuickThrowOnFailure.WithMaxTest(3));

    private Property Holds(DataShape shape)
    {
        (float[][] points, float[][] queries) = shape.Draw(Points, Queries, Dim);
        using var harness = new IndexHarness(shape.Metric, Dim, Points);
        harness.Append(points);
        using HnswIndex floats = HnswIndex.Build(harness.Store, Float);
        using HnswIndex codes = HnswIndex.Build(harness.Store, Float with { Quantizer = new Int8Parameters() }, new Int8QuantizerFactory());
        HashSet<uint>[] truth = queries.Select(q => harness.Exact(q, K)).ToArray();
        Int8Choice choice = ((Int8Codes)codes.Codes!).Choice;
        bool holds = true;
        foreach (int ef in Efs)
        {
            double expected = harness.Recall(floats, queries, truth, K, ef);
            double actual = harness.Recall(codes, queries, truth, K, ef);
            output.WriteLine($"{shape} {choice}: ef={ef} float {expected:F3} int8 {actual:F3}");
            holds &= actual >= expected - 0.005;
        }

        return holds.Label($"{shape}: {choice}");
    }
}
