using System.Runtime.Intrinsics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests.Distances;

/// <summary>
/// Every float kernel against a float64 reference, for every length 0..256 and random lengths up to 4099, with the
/// inputs placed right before a guard page (an overread crashes). The suite runs again with AVX-512, AVX2 and all
/// hardware intrinsics disabled (scripts/test.sh), so every SIMD width is covered.
/// </summary>
public sealed unsafe class KernelPropertyTests
{
    /// <summary>
    /// Error bound: float32 summation of n terms with FMA and one rounded subtraction per term has error at most
    /// about (n + 2) * 2^-24 * sum|terms| (Higham, recursive summation; splitting into several accumulators only
    /// shortens the chains). We allow (n + 8) * 2^-22 * sum|terms|, four times that, plus a denormal floor.
    /// </summary>
    private static bool WithinBound(double actual, double reference, double absSum, int n) =>
        Math.Abs(actual - reference) <= ((n + 8) * Math.Pow(2, -22) * absSum) + 1e-30;

    public static string Isa => Vector512.IsHardwareAccelerated ? "V512" : Vector256.IsHardwareAccelerated ? "V256" : Vector128.IsHardwareAccelerated ? "V128" : "scalar";

    [Fact]
    public void Every_length_0_to_256_is_within_bound_of_float64()
    {
        var random = new Random(1234);
        for (int n = 0; n <= 256; n++)
        {
            CheckLength(random, n);
        }
    }

    [Property(MaxTest = 200)]
    public Property Random_lengths_up_to_4099_are_within_bound() =>
        Prop.ForAll((from length in Gen.Choose(0, 4099) from seed in Gen.Choose(0, int.MaxValue) select (length, seed)).ToArbitrary(), input =>
        {
            CheckLength(new Random(input.Item2), input.Item1);
        });

    [Fact]
    public void Large_magnitudes_and_cancellation_stay_within_bound()
    {
        var random = new Random(99);
        foreach (int n in new[] { 15, 16, 17, 63, 64, 65, 784, 1536 })
        {
            using var a = new GuardedBuffer<float>(n);
            using var b = new GuardedBuffer<float>(n);
            for (int i = 0; i < n; i++)
            {
                a.Span[i] = (float)(random.NextDouble() * 1e6);
                b.Span[i] = a.Span[i] + (float)(random.NextDouble() - 0.5);
            }

            Compare(a.Span, b.Span, n);
        }
    }

    /// <summary>The scan shape reduces in its own order (256-bit, see PairwiseAggregate.InvokeStreaming), so it is held to the same float64 bound, not to bit equality.</summary>
    [Fact]
    public void One_to_many_is_within_bound_of_float64()
    {
        var random = new Random(5);
        foreach (int dim in new[] { 1, 7, 16, 33, 128, 784 })
        {
            int stride = dim + 3;
            const int Rows = 37;
            float[] block = Data.RandomVector(random, (Rows * stride) + dim);
            float[] query = Data.RandomVector(random, dim);
            foreach (DistanceMetric metric in new[] { DistanceMetric.L2, DistanceMetric.InnerProduct })
            {
                float[] distances = new float[Rows];
                VectorDistance.Distances(metric, query, block, stride, distances);
                for (int r = 0; r < Rows; r++)
                {
                    float[] row = block.AsSpan(r * stride, dim).ToArray();
                    double reference = BruteForce.Distance(metric, query, row);
                    double absSum = metric == DistanceMetric.L2 ? reference : query.Zip(row, (x, y) => Math.Abs((double)x * y)).Sum();
                    Assert.True(WithinBound(distances[r], reference, absSum, dim), $"[{Isa}] {metric} dim={dim} row={r}: {distances[r]} vs {reference}");
                }
            }
        }
    }

    [Fact]
    public void Mismatched_lengths_throw_a_typed_error()
    {
        var e = Assert.Throws<DimensionMismatchException>(() => VectorDistance.SquaredL2(new float[3], new float[4]));
        Assert.Equal(3, e.Expected);
        Assert.Equal(4, e.Actual);
        Assert.Throws<DimensionMismatchException>(() => VectorDistance.Dot(new float[3], new float[2]));
        Assert.ThrowsAny<ArgumentException>(() => VectorDistance.Distances(DistanceMetric.L2, new float[4], new float[7], 4, new float[2]));
    }

    private static void CheckLength(Random random, int n)
    {
        using var a = new GuardedBuffer<float>(n);
        using var b = new GuardedBuffer<float>(n);
        for (int i = 0; i < n; i++)
        {
            a.Span[i] = (float)((random.NextDouble() * 2) - 1) * 10;
            b.Span[i] = (float)((random.NextDouble() * 2) - 1) * 10;
        }

        Compare(a.Span, b.Span, n);
    }

    private static void Compare(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int n)
    {
        double l2 = 0, dot = 0, dotAbs = 0, na = 0, nb = 0;
        for (int i = 0; i < n; i++)
        {
            double d = (double)a[i] - b[i];
            l2 += d * d;
            dot += (double)a[i] * b[i];
            dotAbs += Math.Abs((double)a[i] * b[i]);
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        float ourL2 = VectorDistance.SquaredL2(a, b);
        float ourDot = VectorDistance.Dot(a, b);
        Assert.True(WithinBound(ourL2, l2, l2, n), $"[{Isa}] n={n}: SquaredL2 {ourL2} vs {l2}");
        Assert.True(WithinBound(ourDot, dot, dotAbs, n), $"[{Isa}] n={n}: Dot {ourDot} vs {dot}");
        if (na > 0 && nb > 0)
        {
            double cosine = dot / Math.Sqrt(na * nb);
            double bound = (((n + 8) * Math.Pow(2, -22) * dotAbs) / Math.Sqrt(na * nb)) + 1e-5;
            Assert.True(Math.Abs(VectorDistance.Cosine(a, b) - cosine) <= bound, $"[{Isa}] n={n}: Cosine {VectorDistance.Cosine(a, b)} vs {cosine}");
        }
    }
}
