using System.Runtime.Intrinsics.X86;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Quantization.Kernels;

namespace VectorEngine.Quantization.Tests;

/// <summary>The u8 × s8 dot kernels (one query plane and two) are exact: each path must equal the scalar reference.</summary>
public sealed unsafe class ByteDotTests
{
    [Fact]
    public void Extreme_values_at_every_length_up_to_1024_equal_the_reference()
    {
        for (int length = 0; length <= 1024; length += 16)
        {
            var q = new byte[length];
            var x = new sbyte[length];
            Array.Fill(q, (byte)255);
            for (int i = 0; i < length; i++)
            {
                x[i] = (sbyte)(i % 3 == 0 ? -127 : 127);
            }

            CheckAllPaths(q, x);
        }
    }

    [Property(MaxTest = 200)]
    public Property Random_codes_equal_the_reference() =>
        Prop.ForAll((from blocks in Gen.Choose(0, 256) from seed in Gen.Choose(0, int.MaxValue) select (blocks, seed)).ToArbitrary(), input =>
        {
            var random = new Random(input.seed);
            int length = input.blocks * 16;
            var q = new byte[length];
            var x = new sbyte[length];
            random.NextBytes(q);
            for (int i = 0; i < length; i++)
            {
                x[i] = (sbyte)random.Next(-127, 128);
            }

            CheckAllPaths(q, x);
        });

    private static void CheckAllPaths(byte[] q, sbyte[] x)
    {
        long expected = 0;
        for (int i = 0; i < q.Length; i++)
        {
            expected += q[i] * x[i];
        }

        fixed (byte* qp = q)
        fixed (sbyte* xp = x)
        {
            Assert.Equal(expected, ByteDot.DotScalar(qp, xp, q.Length));
            Assert.Equal(expected, ByteDot.Dot(qp, xp, q.Length));
            if (AvxVnni.IsSupported)
            {
                Assert.Equal(expected, ByteDot.DotVnni(qp, xp, q.Length));
            }

            if (Avx2.IsSupported)
            {
                Assert.Equal(expected, ByteDot.DotAvx2(qp, xp, q.Length));
            }
        }

        // The two-plane kernel of the 16-bit query: the same codes against q and its complement at once.
        byte[] low = q.Select(b => (byte)(255 - b)).ToArray();
        long expectedLow = 0;
        for (int i = 0; i < q.Length; i++)
        {
            expectedLow += low[i] * x[i];
        }

        fixed (byte* qp = q)
        fixed (byte* lp = low)
        fixed (sbyte* xp = x)
        {
            Assert.Equal((expected, expectedLow), ((long)ByteDot.Dot2(qp, lp, xp, q.Length).High, (long)ByteDot.Dot2(qp, lp, xp, q.Length).Low));
            if (AvxVnni.IsSupported)
            {
                (int high, int lowSum) = ByteDot.Dot2Vnni(qp, lp, xp, q.Length);
                Assert.Equal((expected, expectedLow), ((long)high, (long)lowSum));
            }

            if (Avx2.IsSupported)
            {
                (int high, int lowSum) = ByteDot.Dot2Avx2(qp, lp, xp, q.Length);
                Assert.Equal((expected, expectedLow), ((long)high, (long)lowSum));
            }
        }
    }
}
