using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Hnsw;
using VectorEngine.Hnsw.Tests;
using VectorEngine.Indexing.Scoring;
using VectorEngine.Quantization.Scalar;
using VectorEngine.Segments;

namespace VectorEngine.Quantization.Tests;

/// <summary>
/// Building on int8 codes: row-to-row code distances are the distances between the decoded rows, the codes offer them
/// only when near lossless, and a graph linked on them searches as well as one linked on the floats.
/// </summary>
public sealed class Int8RowSpaceTests
{
    [Property(MaxTest = 30)]
    public Property Row_to_row_code_distance_is_the_distance_between_the_decoded_rows() =>
        Prop.ForAll(Inputs(), input =>
        {
            using GrowableVectorStore store = IntegerStore(input.Seed, input.Dim, input.Count, input.Metric);
            using Int8Codes codes = Int8Codes.Train(store, new Int8Parameters { Granularity = Int8Granularity.Collection, Quantile = 1.0 });
            var probe = new Probe(codes, input.Metric);
            probe.Use<Int8RowSpace, Int8RowScorer>(codes.RowSpace());
        });

    [Fact]
    public void Codes_are_offered_for_linking_only_with_one_range_and_measured_recall()
    {
        // Dimensions of different spread, coded per dimension: each has its own scale, so no row-to-row code distance.
        var (skewed, _) = new DataShape(ShapeKind.DecayingSpectrum, 1.5, DistanceMetric.L2, 5).Draw(1_000, 1, 32);
        using GrowableVectorStore skewedStore = Store(skewed, DistanceMetric.L2);
        using Int8Codes perDimension = Int8Codes.Train(skewedStore, new Int8Parameters { Granularity = Int8Granularity.Dimension });
        var probe = new Probe(perDimension, DistanceMetric.L2);
        Assert.False(perDimension.TryUseRowSpace(ref probe));

        // Too few rows to measure recall on: untrained, not offered.
        using GrowableVectorStore few = IntegerStore(3, 24, 50, DistanceMetric.L2);
        using Int8Codes untrained = Int8Codes.Train(few, new Int8Parameters { Granularity = Int8Granularity.Collection });
        Assert.False(untrained.TryUseRowSpace(ref probe));

        // Integer values under one range, measured: offered, and the space's distances check out.
        using GrowableVectorStore pixels = IntegerStore(4, 24, 600, DistanceMetric.L2);
        using Int8Codes collection = Int8Codes.Train(pixels, new Int8Parameters { Granularity = Int8Granularity.Collection });
        Assert.Equal(0, probe.Calls);
        var check = new Probe(collection, DistanceMetric.L2);
        Assert.True(collection.TryUseRowSpace(ref check), $"{collection.Choice}");
        Assert.Equal(1, check.Calls);
    }

    [Fact]
    public void A_graph_linked_on_codes_searches_as_well_as_one_linked_on_floats()
    {
        // Integer-valued L2 data (pixels): the codes are offered. (Where codes alone miss more than 0.01 of the top 10
        // they are not, and the graph links on floats: see the test above.)
        const DistanceMetric metric = DistanceMetric.L2;
        const int Dim = 48, K = 10;
        var (points, queries) = new DataShape(ShapeKind.IntegerValued, 0.5, metric, 17).Draw(3_000, 60, Dim);
        using var harness = new IndexHarness(metric, Dim, points.Length);
        harness.Append(points);
        var parameters = new HnswParameters
        {
            M = 16, EfConstruction = 100, BuildThreads = 1, Quantizer = new Int8Parameters { Granularity = Int8Granularity.Collection },
        };
        using HnswIndex onCodes = HnswIndex.Build(harness.Store, parameters, new Int8QuantizerFactory());
        using HnswIndex onFloats = HnswIndex.Build(harness.Store, parameters with { BuildOnCodes = false }, new Int8QuantizerFactory());
        Assert.True(((Int8Codes)onCodes.Codes!).LinksLikeFloats, $"expected codes fit to link on: {((Int8Codes)onCodes.Codes!).Choice}");
        HashSet<uint>[] truth = queries.Select(q => harness.Exact(q, K)).ToArray();
        foreach (int ef in new[] { 16, 32, 64 })
        {
            double codesRecall = harness.Recall(onCodes, queries, truth, K, ef);
            double floatsRecall = harness.Recall(onFloats, queries, truth, K, ef);
            Assert.True(codesRecall >= floatsRecall - 0.01, $"ef={ef}: linked on codes {codesRecall:F3}, on floats {floatsRecall:F3}");
        }
    }

    private static Arbitrary<(int Seed, int Dim, int Count, DistanceMetric Metric)> Inputs() =>
        (from seed in Gen.Choose(0, int.MaxValue)
         from dim in Gen.Choose(1, 100)
         from count in Gen.Choose(2, 40)
         from metric in Gen.Elements(DistanceMetric.L2, DistanceMetric.InnerProduct, DistanceMetric.Cosine)
         select (seed, dim, count, metric)).ToArbitrary();

    private static GrowableVectorStore Store(float[][] rows, DistanceMetric metric)
    {
        var store = new GrowableVectorStore(rows[0].Length, metric, rows.Length);
        foreach (float[] row in rows)
        {
            store.Append(row);
        }

        return store;
    }

    /// <summary>Small integer values (pixels): one range codes them with no loss of order.</summary>
    private static GrowableVectorStore IntegerStore(int seed, int dim, int count, DistanceMetric metric)
    {
        var random = new Random(seed);
        var store = new GrowableVectorStore(dim, metric, count);
        for (int i = 0; i < count; i++)
        {
            store.Append(Enumerable.Range(0, dim).Select(_ => (float)random.Next(0, 40)).ToArray());
        }

        return store;
    }

    /// <summary>Checks every pair of rows: the space's distance against the float distance of the decoded rows.</summary>
    private struct Probe(Int8Codes codes, DistanceMetric metric) : IRowSpaceUser<bool>
    {
        public int Calls { get; private set; }

        public bool Use<TSpace, TScorer>(TSpace space)
            where TSpace : struct, IRowSpace<TScorer>
            where TScorer : struct, IVectorScorer
        {
            Calls++;
            Int8Codes rows = codes;
            int n = rows.Count;
            float[][] decoded = Enumerable.Range(0, n).Select(r => rows.Decode((uint)r)).ToArray();
            for (uint a = 0; a < n; a++)
            {
                TScorer scorer = space.From(a);
                for (uint b = 0; b < n; b++)
                {
                    double expected = metric == DistanceMetric.L2
                        ? decoded[a].Zip(decoded[b], (x, y) => (double)(x - y) * (x - y)).Sum()
                        : -decoded[a].Zip(decoded[b], (x, y) => (double)x * y).Sum();
                    double scale = 1e-4 * (1 + decoded[a].Sum(x => (double)x * x) + decoded[b].Sum(x => (double)x * x));
                    double actual = scorer.Distance(b);
                    Assert.True(Math.Abs(actual - expected) <= scale, $"rows {a},{b}: {actual} vs decoded {expected} ({metric})");
                }
            }

            return true;
        }
    }
}
