using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Indexing.Scoring;
using VectorEngine.Quantization.Scalar;
using VectorEngine.Segments;

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
                    double bound = (beta * step / 2 * codeMass) + (1e-4 * (1 + Math.Abs(exact)));
                    double actual = scorer.Distance(row);
                    Assert.True(Math.Abs(actual - exact) <= bound, $"{metric} row {row}: {actual} vs {exact} (bound {bound})");
                }
            }
        });

    private static Arbitrary<(int Seed, int Dim, int Count, Int8Granularity Granularity, double? Quantile)> Inputs() =>
        (from seed in Gen.Choose(0, int.MaxValue)
         from dim in Gen.Choose(1, 200)
         from count in Gen.Choose(1, 60)
         from granularity in Gen.Elements(Int8Granularity.Auto, Int8Granularity.Collection, Int8Granularity.Dimension)
         from quantile in Gen.Elements<double?>(null, 1.0, 0.99, 0.9)
         select (seed, dim, count, granularity, quantile)).ToArbitrary();

    private static GrowableVectorStore Store(int seed, int dim, int count, DistanceMetric metric)
    {
        var random = new Random(seed);
        var store = new GrowableVectorStore(dim, metric, count);
        for (int i = 0; i < count; i++)
        {
            // Skewed values with a few outliers, so clipping is exercised.
            store.Append(Enumerable.Range(0, dim).Select(_ => (float)(random.NextDouble() < 0.02 ? random.NextDouble() * 40 - 20 : random.NextDouble() * 2 - 0.5)).ToArray());
        }

        return store;
    }
}
