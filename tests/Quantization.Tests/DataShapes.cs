using FsCheck;
using FsCheck.Fluent;

namespace VectorEngine.Quantization.Tests;

/// <summary>The spectra real vectors come in, as generators: codes must hold on each, not only on the ones tuned on.</summary>
public enum ShapeKind
{
    /// <summary>Variance ∝ 1/i^α over the dimensions (α 0..2): LSA, PCA-reduced and many embedding models.</summary>
    DecayingSpectrum,

    /// <summary>A few dimensions with most of the variance, the rest near-constant.</summary>
    DominantDimensions,

    /// <summary>Normalised, with a shared mean direction and an uneven spectrum, as sentence embeddings are.</summary>
    TextLike,

    /// <summary>Small non-negative integers, many of them zero, as pixels and counts.</summary>
    IntegerValued,
}

/// <summary>One drawn data shape: clustered points (so that neighbours mean something) in the drawn spectrum.</summary>
/// <param name="Kind">The spectrum.</param>
/// <param name="Alpha">Decay exponent (decaying and text-like spectra) or dominant dimension count (1..4).</param>
/// <param name="Metric">L2 or cosine.</param>
/// <param name="Seed">The draw.</param>
public sealed record DataShape(ShapeKind Kind, double Alpha, DistanceMetric Metric, int Seed)
{
    /// <summary>Shapes of one kind and metric: α in steps of 0.25 from 0 to 2 and the seed drawn, shrinking towards 0.</summary>
    public static Arbitrary<DataShape> Arbitrary(ShapeKind kind, DistanceMetric metric) =>
        Arb.From(
            from alpha in Gen.Choose(0, 8)
            from seed in Gen.Choose(0, 10_000)
            select new DataShape(kind, alpha / 4.0, metric, seed),
            Shrink);

    /// <summary>Smaller shapes: a flatter spectrum (α a step down, or 0), then a smaller seed.</summary>
    private static IEnumerable<DataShape> Shrink(DataShape shape)
    {
        if (shape.Alpha > 0)
        {
            yield return shape with { Alpha = 0 };
            yield return shape with { Alpha = shape.Alpha - 0.25 };
        }

        if (shape.Seed > 0)
        {
            yield return shape with { Seed = 0 };
            yield return shape with { Seed = shape.Seed / 2 };
        }
    }

    /// <summary>Base points then queries, from the same clusters.</summary>
    public (float[][] Points, float[][] Queries) Draw(int points, int queries, int dim)
    {
        var random = new Random(Seed);
        double[] sigma = Enumerable.Range(0, dim).Select(d => Kind switch
        {
            ShapeKind.DecayingSpectrum => Math.Pow(d + 1, -Alpha / 2),
            ShapeKind.DominantDimensions => d <= Alpha * 1.5 ? 10.0 : 0.2,
            ShapeKind.TextLike => 0.05 * Math.Pow(d + 1, -Alpha / 4),
            _ => 60.0,
        }).ToArray();
        double[] mean = Enumerable.Range(0, dim).Select(_ => Kind switch
        {
            ShapeKind.TextLike => 0.03 * Gaussian(random),
            ShapeKind.IntegerValued => 40.0,
            _ => 0.0,
        }).ToArray();
        double[][] centres = Enumerable.Range(0, 40).Select(_ => sigma.Select((s, d) => mean[d] + (s * Gaussian(random))).ToArray()).ToArray();
        float[] Point()
        {
            double[] centre = centres[random.Next(centres.Length)];
            return sigma.Select((s, d) =>
            {
                double value = centre[d] + (0.6 * s * Gaussian(random));
                return Kind == ShapeKind.IntegerValued ? (float)Math.Max(0, Math.Round(value)) : (float)value;
            }).ToArray();
        }

        return (Enumerable.Range(0, points).Select(_ => Point()).ToArray(), Enumerable.Range(0, queries).Select(_ => Point()).ToArray());
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
