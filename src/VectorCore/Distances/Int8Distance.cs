using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using VectorEngine.Diagnostics;

namespace VectorEngine;

/// <summary>
/// Exact integer kernels over signed 8-bit codes, for quantized vectors. Results are exact (no overflow for lengths up to
/// 2^31 / 65025 ≈ 33,000 elements), so they can be compared bit for bit with the scalar reference.
/// </summary>
public static class Int8Distance
{
    /// <summary>The longest vector the kernels accept without risk of 32-bit overflow.</summary>
    public const int MaxLength = 33_000;

    /// <summary>Squared Euclidean distance between two int8 vectors.</summary>
    /// <param name="a">First vector.</param>
    /// <param name="b">Second vector, the same length.</param>
    public static int SquaredL2(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        Check(a.Length, b.Length);
        return Aggregate<SquaredDifference>(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), a.Length);
    }

    /// <summary>Dot product of two int8 vectors.</summary>
    /// <param name="a">First vector.</param>
    /// <param name="b">Second vector, the same length.</param>
    public static int Dot(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        Check(a.Length, b.Length);
        return Aggregate<Product>(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), a.Length);
    }

    private static void Check(int a, int b)
    {
        if (a != b)
        {
            ThrowHelper.ThrowDimensionMismatch(a, b);
        }

        if (a > MaxLength)
        {
            ThrowHelper.ThrowArgument("a", $"int8 vectors are limited to {MaxLength} elements; got {a}.");
        }
    }

    /// <summary>Maps an element pair, widened to 16 bits, to the two operands of a multiply-add.</summary>
    private interface IPairMap
    {
        static abstract (Vector512<short> X, Vector512<short> Y) Map(Vector512<short> a, Vector512<short> b);

        static abstract (Vector256<short> X, Vector256<short> Y) Map(Vector256<short> a, Vector256<short> b);

        static abstract (Vector128<int> X, Vector128<int> Y) Map(Vector128<int> a, Vector128<int> b);

        static abstract int Scalar(int a, int b);
    }

    private readonly struct SquaredDifference : IPairMap
    {
        public static (Vector512<short> X, Vector512<short> Y) Map(Vector512<short> a, Vector512<short> b)
        {
            Vector512<short> d = a - b;
            return (d, d);
        }

        public static (Vector256<short> X, Vector256<short> Y) Map(Vector256<short> a, Vector256<short> b)
        {
            Vector256<short> d = a - b;
            return (d, d);
        }

        public static (Vector128<int> X, Vector128<int> Y) Map(Vector128<int> a, Vector128<int> b)
        {
            Vector128<int> d = a - b;
            return (d, d);
        }

        public static int Scalar(int a, int b) => (a - b) * (a - b);
    }

    private readonly struct Product : IPairMap
    {
        public static (Vector512<short> X, Vector512<short> Y) Map(Vector512<short> a, Vector512<short> b) => (a, b);

        public static (Vector256<short> X, Vector256<short> Y) Map(Vector256<short> a, Vector256<short> b) => (a, b);

        public static (Vector128<int> X, Vector128<int> Y) Map(Vector128<int> a, Vector128<int> b) => (a, b);

        public static int Scalar(int a, int b) => a * b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Aggregate<TMap>(ref sbyte a, ref sbyte b, int length)
        where TMap : struct, IPairMap
    {
        nuint n = (uint)length, i = 0;
        int sum = 0;

        // pmaddwd multiplies 16-bit pairs into 32-bit sums: (a-b)^2 <= 65,025 and two of them fit an int lane.
        if (Avx512BW.IsSupported && Vector512.IsHardwareAccelerated && n >= 32)
        {
            Vector512<int> acc = Vector512<int>.Zero;
            for (; i + 32 <= n; i += 32)
            {
                Vector512<short> wa = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref a, i));
                Vector512<short> wb = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref b, i));
                (Vector512<short> x, Vector512<short> y) = TMap.Map(wa, wb);
                acc += Avx512BW.MultiplyAddAdjacent(x, y);
            }

            sum = Vector512.Sum(acc);
        }
        else if (Avx2.IsSupported && n >= 16)
        {
            Vector256<int> acc = Vector256<int>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                Vector256<short> wa = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref a, i));
                Vector256<short> wb = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref b, i));
                (Vector256<short> x, Vector256<short> y) = TMap.Map(wa, wb);
                acc += Avx2.MultiplyAddAdjacent(x, y);
            }

            sum = Vector256.Sum(acc);
        }
        else if (Vector128.IsHardwareAccelerated && n >= 16)
        {
            Vector128<int> acc = Vector128<int>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                (Vector128<short> a0, Vector128<short> a1) = Vector128.Widen(Vector128.LoadUnsafe(ref a, i));
                (Vector128<short> b0, Vector128<short> b1) = Vector128.Widen(Vector128.LoadUnsafe(ref b, i));
                acc = Accumulate<TMap>(acc, a0, b0);
                acc = Accumulate<TMap>(acc, a1, b1);
            }

            sum = Vector128.Sum(acc);
        }

        for (; i < n; i++)
        {
            sum += TMap.Scalar(Unsafe.Add(ref a, i), Unsafe.Add(ref b, i));
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Accumulate<TMap>(Vector128<int> acc, Vector128<short> a, Vector128<short> b)
        where TMap : struct, IPairMap
    {
        (Vector128<int> a0, Vector128<int> a1) = Vector128.Widen(a);
        (Vector128<int> b0, Vector128<int> b1) = Vector128.Widen(b);
        (Vector128<int> x0, Vector128<int> y0) = TMap.Map(a0, b0);
        (Vector128<int> x1, Vector128<int> y1) = TMap.Map(a1, b1);
        return acc + (x0 * y0) + (x1 * y1);
    }
}
