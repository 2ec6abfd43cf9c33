using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Indexing.Scoring;
using VectorEngine.Quantization.Scalar;
using VectorEngine.Segments;
using VectorEngine.Storage;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Quantization.Tests;

/// <summary>Int8 codes: the error of a round trip is bounded, and the scorer's distance is the one to the decoded vector.</summary>
public sealed class Int8CodesTests
{
    [Property(MaxTest = 40)]
    public Property Decoding_is_within_half_a_step_of_every_value_inside_the_trained_range() =>
        Prop.ForAll(Inputs(), input =>
        {
            using GrowableVectorStore store = Store(input.Seed, input.Dim, input.Count, DistanceMetric.L2);
            var parameters = new Int8Parameters { Granularity = input.Granularity, Quantile = input.Quantile };
            using Int8Codes codes = Int8Codes.Train(store, parameters);
            Int8Codebook book = codes.Codebook;
            for (uint row = 0; row < store.Count; row++)
            {
                ReadOnlySpan<float> original = store.GetVector(row);
                float[] decoded = codes.Decode(row);
                for (int d = 0; d < input.Dim; d++)
                {
                    float lo = book.Offsets[d] - (Int8Codebook.MaxCode * book.Scales[d]);
                    float hi = book.Offsets[d] + (Int8Codebook.MaxCode * book.Scales[d]);
                    float clipped = Math.Clamp(original[d], lo, hi);
                    Assert.True(Math.Abs(decoded[d] - clipped) <= (book.Scales[d] * 0.5f) + 1e-4f,
                        $"row {row} dim {d}: {original[d]} decoded {decoded[d]}, step {book.Scales[d]}");
                }
            }
        });

    [Property(MaxTest = 40)]
    public Property The_scorer_gives_the_distance_to_the_decoded_vector_up_to_the_query_rounding() =>
        Prop.ForAll(Inputs(), input =>
        {
            foreach (DistanceMetric metric in new[] { DistanceMetric.L2, DistanceMetric.InnerProduct })
            {
                using GrowableVectorStore store = Store(input.Seed, input.Dim, input.Count, metric);
                using Int8Codes codes = Int8Codes.Train(store, new Int8Parameters { Granularity = input.Granularity, Quantile = input.Quantile });
                var random = new Random(input.Seed ^ 0x5bd1e995);
                float[] query = Enumerable.Range(0, input.Dim).Select(_ => (float)(random.NextDouble() * 3 - 1)).ToArray();
                Int8Scorer scorer = codes.Prepare(query, new ScratchBuffer());

                // The query's weights w = (q - o)·s (L2) or q·s are rounded to 8 bits with step (max w - min w) / 255:
                // the distance moves by at most |β| · step/2 · Σ|code|, β = 2 for L2 and 1 for the inner product.
                Int8Codebook book = codes.Codebook;
                double[] w = Enumerable.Range(0, input.Dim)
                    .Select(d => (double)(metric == DistanceMetric.L2 ? query[d] - book.Offsets[d] : query[d]) * book.Scales[d]).ToArray();
                double step = (w.Max() - w.Min()) / 255.0;
                double beta = metric == DistanceMetric.L2 ? 2 : 1;
                for (uint row = 0; row < store.Count; row++)
                {
                    float[] decoded = codes.Decode(row);
                    double exact = metric == DistanceMetric.L2
                        ? decoded.Select((v, d) => (double)(query[d] - v) * (query[d] - v)).Sum()
                        : -decoded.Select((v, d) => (double)query[d] * v).Sum();
                    double codeMass = codes.GetCode(row).ToArray().Sum(c => Math.Abs((double)c));
                    double bound = (beta * step / 2 * codeMass) + FloatSlack(exact, query, book, metric);
                    double actual = scorer.Distance(row);
                    Assert.True(Math.Abs(actual - exact) <= bound, $"{metric} row {row}: {actual} vs {exact} (bound {bound})");
                }
            }
        });

    [Property(MaxTest = 30)]
    public Property With_outlier_dimensions_both_query_widths_give_the_distance_to_the_decoded_vector_and_survive_a_reload() =>
        Prop.ForAll(Inputs(), input =>
        {
            foreach (DistanceMetric metric in new[] { DistanceMetric.L2, DistanceMetric.InnerProduct })
            {
                // Dimension 0 spread 50x wider than the rest: an outlier whenever there are enough dimensions and rows (with
                // a handful of rows, a dimension holding one of the random ±20 values can spread wider than it).
                using GrowableVectorStore store = Store(input.Seed, input.Dim, input.Count, metric, dominant: 50f);
                var parameters = new Int8Parameters { Granularity = input.Granularity, Quantile = input.Quantile };
                Int8Ranges ranges = Int8Ranges.Measure(store, Enumerable.Range(0, store.Count).Select(i => (uint)i).ToArray(), [input.Quantile ?? 1.0]);
                Int8Granularity granularity = input.Granularity == Int8Granularity.Dimension ? Int8Granularity.Dimension : Int8Granularity.Collection;
                Int8Codebook book = ranges.Codebook(granularity, 0, withOutliers: true);
                if (input.Dim > Int8Ranges.MaxOutliers && input.Count >= 20)
                {
                    Assert.Contains(0, book.Outliers);
                }

                foreach (bool precise in new[] { false, true })
                {
                    var choice = new Int8Choice(granularity, input.Quantile ?? 1.0, 1.5, 0.9, precise, book.Outliers.Length);
                    using var codes = new Int8Codes(store, parameters, book, choice);
                    codes.Add(0);
                    var random = new Random(input.Seed ^ 0x2545f491);
                    float[] query = Enumerable.Range(0, input.Dim).Select(d => (float)((random.NextDouble() * 3) - 1) * (d == 0 ? 50f : 1f)).ToArray();
                    IVectorScorer scorer = precise ? codes.PreparePrecise(query, new ScratchBuffer()) : codes.Prepare(query, new ScratchBuffer());

                    // The weights' step comes from the coded dimensions only; a 16-bit query leaves 1/255 of it.
                    double[] w = Enumerable.Range(0, input.Dim).Where(d => !book.IsOutlier[d])
                        .Select(d => (double)(metric == DistanceMetric.L2 ? query[d] - book.Offsets[d] : query[d]) * book.Scales[d]).DefaultIfEmpty(0).ToArray();
                    double range = w.Max() > w.Min() ? w.Max() - w.Min() : Math.Max(Math.Abs(w.Max()), 1e-30);
                    double step = range / 255.0 / (precise ? 255.0 : 1.0);
                    double beta = metric == DistanceMetric.L2 ? 2 : 1;
                    for (uint row = 0; row < store.Count; row++)
                    {
                        float[] decoded = codes.Decode(row);
                        Assert.All(book.Outliers, d => Assert.Equal(store.GetVector(row)[d], decoded[d]));
                        double exact = metric == DistanceMetric.L2
                            ? decoded.Select((v, d) => (double)(query[d] - v) * (query[d] - v)).Sum()
                            : -decoded.Select((v, d) => (double)query[d] * v).Sum();
                        double codeMass = codes.GetCode(row).ToArray().Sum(c => Math.Abs((double)c));
                        double bound = (beta * step / 2 * codeMass) + FloatSlack(exact, query, book, metric);
                        Assert.True(Math.Abs(scorer.Distance(row) - exact) <= bound, $"{metric} precise={precise} row {row}: {scorer.Distance(row)} vs {exact} (bound {bound})");
                    }

                    using TempDirectory dir = Data.TempDir();
                    var folder = new StorageFolder(LocalFileSystem.Instance, dir.Path);
                    codes.Save(folder);
                    using Int8Codes loaded = Int8Codes.TryLoad(store, parameters, folder)!;
                    Assert.Equal(choice, loaded.Choice);
                    Assert.Equal(book.Outliers, loaded.Codebook.Outliers);
                    for (uint row = 0; row < store.Count; row++)
                    {
                        Assert.Equal(codes.Decode(row), loaded.Decode(row));
                    }
                }
            }
        });

    /// <summary>
    /// What float32 arithmetic adds to the rounding bound. The scorer sums a constant Σ(q − o)² (L2) or −Σ q·o (inner
    /// product) and a code term of about the same size, which cancel down to the distance: float rounding scales with
    /// those terms, not with the distance. A 16-bit query with equal weights sits exactly at the rounding bound (its low
    /// byte is half a unit off for every code), so this slack is all that separates it from float noise (CI drew a 1-d
    /// L2 case with terms of 1.7e5 cancelling to 375 and missing the old 1e-4·|distance| slack by 0.009).
    /// </summary>
    private static double FloatSlack(double exact, float[] query, Int8Codebook book, DistanceMetric metric)
    {
        double terms = Enumerable.Range(0, query.Length)
            .Sum(d => metric == DistanceMetric.L2 ? Math.Pow(query[d] - book.Offsets[d], 2) : Math.Abs((double)query[d] * book.Offsets[d]));
        return (1e-4 * (1 + Math.Abs(exact))) + (2e-6 * terms);
    }

    private static Arbitrary<(int Seed, int Dim, int Count, Int8Granularity Granularity, double? Quantile)> Inputs() =>
        (from seed in Gen.Choose(0, int.MaxValue)
         from dim in Gen.Choose(1, 200)
         from count in Gen.Choose(1, 60)
         from granularity in Gen.Elements(Int8Granularity.Auto, Int8Granularity.Collection, Int8Granularity.Dimension)
         from quantile in Gen.Elements<double?>(null, 1.0, 0.99, 0.9)
         select (seed, dim, count, granularity, quantile)).ToArbitrary();

    private static GrowableVectorStore Store(int seed, int dim, int count, DistanceMetric metric, float dominant = 1f)
    {
        var random = new Random(seed);
        var store = new GrowableVectorStore(dim, metric, count);
        for (int i = 0; i < count; i++)
        {
            // Skewed values with a few outliers, so clipping is exercised.
            store.Append(Enumerable.Range(0, dim).Select(d => (d == 0 ? dominant : 1f) *
                (float)(random.NextDouble() < 0.02 ? random.NextDouble() * 40 - 20 : random.NextDouble() * 2 - 0.5)).ToArray());
        }

        return store;
    }
}
