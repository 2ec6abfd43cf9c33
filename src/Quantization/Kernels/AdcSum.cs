using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VectorEngine.Quantization.Kernels;

/// <summary>
/// Asymmetric distance from a PQ code: Σ_j table[j·256 + code[j]]. An 8-wide AVX2 gather where the CPU has it (one
/// instruction per 8 sub-quantizers; .NET exposes no 512-bit gather), four independent scalar sums otherwise (the dependency chain of one sum
/// would bound the loop at one lookup per add latency).
/// </summary>
internal static unsafe class AdcSum
{
    private const int Centroids = 256;

    /// <summary>The sum over <paramref name="m"/> code bytes, with the best kernel for this CPU.</summary>
    /// <param name="table">m × 256 floats.</param>
    /// <param name="code">m code bytes.</param>
    /// <param name="m">Sub-quantizers.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(float* table, byte* code, int m) =>
        Avx2.IsSupported && m >= 8 ? Gather256(table, code, m) : Scalar(table, code, m);

    /// <summary>The reference: four interleaved scalar sums.</summary>
    /// <param name="table">m × 256 floats.</param>
    /// <param name="code">m code bytes.</param>
    /// <param name="m">Sub-quantizers.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scalar(float* table, byte* code, int m)
    {
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int j = 0;
        for (; j + 4 <= m; j += 4)
        {
            float* t = table + (j * Centroids);
            a0 += t[code[j]];
            a1 += t[Centroids + code[j + 1]];
            a2 += t[(2 * Centroids) + code[j + 2]];
            a3 += t[(3 * Centroids) + code[j + 3]];
        }

        for (; j < m; j++)
        {
            a0 += table[(j * Centroids) + code[j]];
        }

        return (a0 + a1) + (a2 + a3);
    }

    /// <summary>8 lookups per gather: code bytes widened to int32 plus each lane's table row.</summary>
    /// <param name="table">m × 256 floats.</param>
    /// <param name="code">m code bytes; m at least 8.</param>
    /// <param name="m">Sub-quantizers.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Gather256(float* table, byte* code, int m)
    {
        Vector256<int> rows = Vector256<int>.Indices * Centroids;
        Vector256<float> sum = Vector256<float>.Zero;
        int j = 0;
        for (; j + 8 <= m; j += 8)
        {
            Vector256<int> index = Avx2.ConvertToVector256Int32(code + j) + rows;
            sum += Avx2.GatherVector256(table + (j * Centroids), index, 4);
        }

        float tail = 0;
        for (; j < m; j++)
        {
            tail += table[(j * Centroids) + code[j]];
        }

        return Vector256.Sum(sum) + tail;
    }
}
