using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VectorEngine.Quantization.Kernels;

/// <summary>
/// Sums over two rows of signed 8-bit codes (a graph build on int8 codes compares stored rows with one another):
/// Σ (a − b)² and Σ a·b, widened to 16 bits and multiply-added in pairs into 32-bit lanes. Exact in int32 up to
/// <see cref="MaxLength"/> codes.
/// </summary>
internal static unsafe class SignedBytePairs
{
    /// <summary>The longest rows whose sums cannot overflow: 254² per code, 2^31 in all.</summary>
    public const int MaxLength = 32_768;

    /// <summary>Σ (a[i] − b[i])².</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SquaredDistance(sbyte* a, sbyte* b, int length)
    {
        int i = 0, sum = 0;
        if (Avx2.IsSupported)
        {
            Vector256<int> acc0 = Vector256<int>.Zero, acc1 = acc0;
            for (; i + 32 <= length; i += 32)
            {
                Vector256<short> d0 = Avx2.ConvertToVector256Int16(Vector128.Load(a + i)) - Avx2.ConvertToVector256Int16(Vector128.Load(b + i));
                Vector256<short> d1 = Avx2.ConvertToVector256Int16(Vector128.Load(a + i + 16)) - Avx2.ConvertToVector256Int16(Vector128.Load(b + i + 16));
                acc0 += Avx2.MultiplyAddAdjacent(d0, d0);
                acc1 += Avx2.MultiplyAddAdjacent(d1, d1);
            }

            if (i + 16 <= length)
            {
                Vector256<short> d0 = Avx2.ConvertToVector256Int16(Vector128.Load(a + i)) - Avx2.ConvertToVector256Int16(Vector128.Load(b + i));
                acc0 += Avx2.MultiplyAddAdjacent(d0, d0);
                i += 16;
            }

            sum = Vector256.Sum(acc0 + acc1);
        }

        for (; i < length; i++)
        {
            int d = a[i] - b[i];
            sum += d * d;
        }

        return sum;
    }

    /// <summary>Σ a[i]·b[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Dot(sbyte* a, sbyte* b, int length)
    {
        int i = 0, sum = 0;
        if (Avx2.IsSupported)
        {
            Vector256<int> acc0 = Vector256<int>.Zero, acc1 = acc0;
            for (; i + 32 <= length; i += 32)
            {
                acc0 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(a + i)), Avx2.ConvertToVector256Int16(Vector128.Load(b + i)));
                acc1 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(a + i + 16)), Avx2.ConvertToVector256Int16(Vector128.Load(b + i + 16)));
            }

            if (i + 16 <= length)
            {
                acc0 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(a + i)), Avx2.ConvertToVector256Int16(Vector128.Load(b + i)));
                i += 16;
            }

            sum = Vector256.Sum(acc0 + acc1);
        }

        for (; i < length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
