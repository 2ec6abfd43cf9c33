using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests.Distances;

/// <summary>The int8 kernels are exact: they must equal a 64-bit scalar reference bit for bit.</summary>
public sealed class Int8KernelTests
{
    [Fact]
    public void Every_length_0_to_256_equals_the_scalar_reference()
    {
        var random = new Random(77);
        for (int n = 0; n <= 256; n++)
        {
            Check(random, n, extremes: n % 3 == 0);
        }
    }

    [Property(MaxTest = 100)]
    public Property Random_lengths_up_to_4099_equal_the_scalar_reference() =>
        Prop.ForAll((from length in Gen.Choose(0, 4099) from seed in Gen.Choose(0, int.MaxValue) select (length, seed)).ToArbitrary(), input =>
        {
            Check(new Random(input.Item2), input.Item1, extremes: input.Item2 % 2 == 0);
        });

    private static void Check(Random random, int n, bool extremes)
    {
        using var a = new GuardedBuffer<sbyte>(n);
        using var b = new GuardedBuffer<sbyte>(n);
        for (int i = 0; i < n; i++)
        {
            // Extremes exercise the largest products: (-128 - 127)^2 and (-128)^2.
            a.Span[i] = extremes ? (sbyte)(i % 2 == 0 ? -128 : 127) : (sbyte)random.Next(-128, 128);
            b.Span[i] = extremes ? (sbyte)(i % 2 == 0 ? 127 : -128) : (sbyte)random.Next(-128, 128);
        }

        long l2 = 0, dot = 0;
        for (int i = 0; i < n; i++)
        {
            long d = a.Span[i] - b.Span[i];
            l2 += d * d;
            dot += (long)a.Span[i] * b.Span[i];
        }

        Assert.Equal(l2, Int8Distance.SquaredL2(a.Span, b.Span));
        Assert.Equal(dot, Int8Distance.Dot(a.Span, b.Span));
    }
}
