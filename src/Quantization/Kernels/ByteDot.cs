using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VectorEngine.Quantization.Kernels;

/// <summary>
/// Dot product of unsigned 8-bit query weights with signed 8-bit codes, exact in int32 — the one kernel int8 search
/// needs (u8 × s8 is what VNNI multiplies). AVX-VNNI where the CPU has it (one VPDPBUSD per 32 bytes), an AVX2
/// widening fallback, and a scalar reference the tests hold both to.
/// </summary>
/// <remarks>
/// .NET 10 exposes VNNI at 128/256 bits (<see cref="AvxVnni"/>); the 512-bit form needs AVX10, which the EPYC machines
/// these numbers come from do not report, so 256 bits is the widest here. No overflow: 255 · 127 · 65,536 &lt; 2³¹.
/// </remarks>
internal static unsafe class ByteDot
{
    /// <summary>Σ q[i]·x[i] over <paramref name="length"/> bytes, a multiple of 16.</summary>
    /// <param name="q">Unsigned weights.</param>
    /// <param name="x">Signed codes.</param>
    /// <param name="length">Bytes, a multiple of 16.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Dot(byte* q, sbyte* x, int length)
    {
        if (AvxVnni.IsSupported)
        {
            return DotVnni(q, x, length);
        }

        if (Avx2.IsSupported)
        {
            return DotAvx2(q, x, length);
        }

        return DotScalar(q, x, length);
    }

    /// <summary>The scalar reference.</summary>
    /// <param name="q">Unsigned weights.</param>
    /// <param name="x">Signed codes.</param>
    /// <param name="length">Bytes.</param>
    public static int DotScalar(byte* q, sbyte* x, int length)
    {
        int sum = 0;
        for (int i = 0; i < length; i++)
        {
            sum += q[i] * x[i];
        }

        return sum;
    }

    /// <summary>The AVX-VNNI path (callers check <see cref="AvxVnni.IsSupported"/>).</summary>
    /// <param name="q">Unsigned weights.</param>
    /// <param name="x">Signed codes.</param>
    /// <param name="length">Bytes, a multiple of 16.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int DotVnni(byte* q, sbyte* x, int length)
    {
        // Two accumulators: VPDPBUSD has a 5-cycle latency on Zen 4 and rows are 128-800 bytes.
        Vector256<int> acc0 = Vector256<int>.Zero, acc1 = Vector256<int>.Zero;
        int i = 0;
        for (; i + 64 <= length; i += 64)
        {
            acc0 = AvxVnni.MultiplyWideningAndAdd(acc0, Vector256.Load(q + i), Vector256.Load(x + i));
            acc1 = AvxVnni.MultiplyWideningAndAdd(acc1, Vector256.Load(q + i + 32), Vector256.Load(x + i + 32));
        }

        if (i + 32 <= length)
        {
            acc0 = AvxVnni.MultiplyWideningAndAdd(acc0, Vector256.Load(q + i), Vector256.Load(x + i));
            i += 32;
        }

        int sum = Vector256.Sum(acc0 + acc1);
        if (i < length)
        {
            sum += Vector128.Sum(AvxVnni.MultiplyWideningAndAdd(Vector128<int>.Zero, Vector128.Load(q + i), Vector128.Load(x + i)));
        }

        return sum;
    }

    /// <summary>The AVX2 fallback: widen both to int16 and multiply-add pairs into int32 (VPMADDWD), exact.</summary>
    /// <param name="q">Unsigned weights.</param>
    /// <param name="x">Signed codes.</param>
    /// <param name="length">Bytes, a multiple of 16.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int DotAvx2(byte* q, sbyte* x, int length)
    {
        Vector256<int> acc0 = Vector256<int>.Zero, acc1 = Vector256<int>.Zero;
        int i = 0;
        for (; i + 32 <= length; i += 32)
        {
            Vector256<short> q0 = Avx2.ConvertToVector256Int16(Vector128.Load(q + i));
            Vector256<short> x0 = Avx2.ConvertToVector256Int16(Vector128.Load(x + i));
            Vector256<short> q1 = Avx2.ConvertToVector256Int16(Vector128.Load(q + i + 16));
            Vector256<short> x1 = Avx2.ConvertToVector256Int16(Vector128.Load(x + i + 16));
            acc0 += Avx2.MultiplyAddAdjacent(q0, x0);
            acc1 += Avx2.MultiplyAddAdjacent(q1, x1);
        }

        if (i < length)
        {
            acc0 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(q + i)), Avx2.ConvertToVector256Int16(Vector128.Load(x + i)));
        }

        return Vector256.Sum(acc0 + acc1);
    }

    /// <summary>
    /// Two dot products of the same codes at once, Σ hi[i]·x[i] and Σ lo[i]·x[i]: the high and low bytes of a query
    /// held to 16 bits, the codes read once.
    /// </summary>
    /// <param name="hi">Unsigned weights, high part.</param>
    /// <param name="lo">Unsigned weights, low part.</param>
    /// <param name="x">Signed codes.</param>
    /// <param name="length">Bytes, a multiple of 16.</param>
    /// <returns>Both sums.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (int High, int Low) Dot2(byte* hi, byte* lo, sbyte* x, int length)
    {
        if (AvxVnni.IsSupported)
        {
            return Dot2Vnni(hi, lo, x, length);
        }

        if (Avx2.IsSupported)
        {
            return Dot2Avx2(hi, lo, x, length);
        }

        return (DotScalar(hi, x, length), DotScalar(lo, x, length));
    }

    /// <summary>The AVX-VNNI path of <see cref="Dot2"/>.</summary>
    /// <param name="hi">Unsigned weights, high part.</param>
    /// <param name="lo">Unsigned weights, low part.</param>
    /// <param name="x">Signed codes.</param>
    /// <param name="length">Bytes, a multiple of 16.</param>
    /// <returns>Both sums.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (int High, int Low) Dot2Vnni(byte* hi, byte* lo, sbyte* x, int length)
    {
        Vector256<int> accHi = Vector256<int>.Zero, accLo = Vector256<int>.Zero;
        int i = 0;
        for (; i + 32 <= length; i += 32)
        {
            Vector256<sbyte> codes = Vector256.Load(x + i);
            accHi = AvxVnni.MultiplyWideningAndAdd(accHi, Vector256.Load(hi + i), codes);
            accLo = AvxVnni.MultiplyWideningAndAdd(accLo, Vector256.Load(lo + i), codes);
        }

        int sumHi = Vector256.Sum(accHi), sumLo = Vector256.Sum(accLo);
        if (i < length)
        {
            Vector128<sbyte> codes = Vector128.Load(x + i);
            sumHi += Vector128.Sum(AvxVnni.MultiplyWideningAndAdd(Vector128<int>.Zero, Vector128.Load(hi + i), codes));
            sumLo += Vector128.Sum(AvxVnni.MultiplyWideningAndAdd(Vector128<int>.Zero, Vector128.Load(lo + i), codes));
        }

        return (sumHi, sumLo);
    }

    /// <summary>The AVX2 path of <see cref="Dot2"/>: the codes widened once for both products.</summary>
    /// <param name="hi">Unsigned weights, high part.</param>
    /// <param name="lo">Unsigned weights, low part.</param>
    /// <param name="x">Signed codes.</param>
    /// <param name="length">Bytes, a multiple of 16.</param>
    /// <returns>Both sums.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (int High, int Low) Dot2Avx2(byte* hi, byte* lo, sbyte* x, int length)
    {
        Vector256<int> accHi = Vector256<int>.Zero, accLo = Vector256<int>.Zero;
        for (int i = 0; i < length; i += 16)
        {
            Vector256<short> codes = Avx2.ConvertToVector256Int16(Vector128.Load(x + i));
            accHi += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(hi + i)), codes);
            accLo += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(lo + i)), codes);
        }

        return (Vector256.Sum(accHi), Vector256.Sum(accLo));
    }
}
