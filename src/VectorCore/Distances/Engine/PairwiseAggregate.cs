using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace VectorEngine.Distances.Engine;

/// <summary>
/// The pairwise reduction loop, written once and specialised per kernel. Follows the TensorPrimitives dispatch ladder:
/// the widest accelerated vector that fits, four independent accumulators (to hide FMA latency), and a masked,
/// overlapping last load instead of a scalar tail.
/// </summary>
internal static class PairwiseAggregate
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke<TKernel>(ref float a, ref float b, int length)
        where TKernel : struct, IAggregationKernel
    {
        if (Vector512.IsHardwareAccelerated && length >= Vector512<float>.Count)
        {
            return TKernel.Finish(Sum512<TKernel>(ref a, ref b, length));
        }

        if (Vector256.IsHardwareAccelerated && length >= Vector256<float>.Count)
        {
            return TKernel.Finish(Sum256<TKernel>(ref a, ref b, length));
        }

        if (Vector128.IsHardwareAccelerated && length >= Vector128<float>.Count)
        {
            return TKernel.Finish(Sum128<TKernel>(ref a, ref b, length));
        }

        float acc = 0;
        for (int i = 0; i < length; i++)
        {
            acc = TKernel.Step(acc, Unsafe.Add(ref a, i), Unsafe.Add(ref b, i));
        }

        return TKernel.Finish(acc);
    }

    /// <summary>
    /// The same reduction for rows streamed from DRAM (exact scans). On the AMD EPYC these numbers come from, 256-bit
    /// loads read memory faster than 512-bit ones (45.3 vs 39.8 GB/s single-core; fashion-mnist flat scan 200 vs 185
    /// QPS), while in-cache pairwise distances are faster at 512 bits (784-d L2: 30.5 vs 43.3 ns) — so scans stop at
    /// Vector256. See bench/VectorEngine.Benchmarks (MemoryReadBenchmarks, ScanBenchmarks).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float InvokeStreaming<TKernel>(ref float a, ref float b, int length)
        where TKernel : struct, IAggregationKernel
    {
        if (Vector256.IsHardwareAccelerated && length >= Vector256<float>.Count)
        {
            return TKernel.Finish(Sum256<TKernel>(ref a, ref b, length));
        }

        return Invoke<TKernel>(ref a, ref b, length);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Sum512<TKernel>(ref float a, ref float b, int length)
        where TKernel : struct, IAggregationKernel
    {
        const int W = 16;
        Vector512<float> acc0 = Vector512<float>.Zero, acc1 = acc0, acc2 = acc0, acc3 = acc0;
        nuint n = (uint)length, i = 0;
        for (; i + 4 * W <= n; i += 4 * W)
        {
            acc0 = TKernel.Step(acc0, Vector512.LoadUnsafe(ref a, i), Vector512.LoadUnsafe(ref b, i));
            acc1 = TKernel.Step(acc1, Vector512.LoadUnsafe(ref a, i + W), Vector512.LoadUnsafe(ref b, i + W));
            acc2 = TKernel.Step(acc2, Vector512.LoadUnsafe(ref a, i + 2 * W), Vector512.LoadUnsafe(ref b, i + 2 * W));
            acc3 = TKernel.Step(acc3, Vector512.LoadUnsafe(ref a, i + 3 * W), Vector512.LoadUnsafe(ref b, i + 3 * W));
        }

        for (; i + W <= n; i += W)
        {
            acc0 = TKernel.Step(acc0, Vector512.LoadUnsafe(ref a, i), Vector512.LoadUnsafe(ref b, i));
        }

        if (i < n)
        {
            // Re-read the last full vector and zero the lanes that were already counted.
            nuint start = n - W;
            Vector512<float> keep = Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create((int)(i - start))).AsSingle();
            Vector512<float> va = Vector512.LoadUnsafe(ref a, start) & keep;
            Vector512<float> vb = Vector512.LoadUnsafe(ref b, start) & keep;
            acc1 = TKernel.Step(acc1, va, vb);
        }

        return Vector512.Sum((acc0 + acc1) + (acc2 + acc3));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Sum256<TKernel>(ref float a, ref float b, int length)
        where TKernel : struct, IAggregationKernel
    {
        const int W = 8;
        Vector256<float> acc0 = Vector256<float>.Zero, acc1 = acc0, acc2 = acc0, acc3 = acc0;
        nuint n = (uint)length, i = 0;
        for (; i + 4 * W <= n; i += 4 * W)
        {
            acc0 = TKernel.Step(acc0, Vector256.LoadUnsafe(ref a, i), Vector256.LoadUnsafe(ref b, i));
            acc1 = TKernel.Step(acc1, Vector256.LoadUnsafe(ref a, i + W), Vector256.LoadUnsafe(ref b, i + W));
            acc2 = TKernel.Step(acc2, Vector256.LoadUnsafe(ref a, i + 2 * W), Vector256.LoadUnsafe(ref b, i + 2 * W));
            acc3 = TKernel.Step(acc3, Vector256.LoadUnsafe(ref a, i + 3 * W), Vector256.LoadUnsafe(ref b, i + 3 * W));
        }

        for (; i + W <= n; i += W)
        {
            acc0 = TKernel.Step(acc0, Vector256.LoadUnsafe(ref a, i), Vector256.LoadUnsafe(ref b, i));
        }

        if (i < n)
        {
            nuint start = n - W;
            Vector256<float> keep = Vector256.GreaterThanOrEqual(Vector256<int>.Indices, Vector256.Create((int)(i - start))).AsSingle();
            Vector256<float> va = Vector256.LoadUnsafe(ref a, start) & keep;
            Vector256<float> vb = Vector256.LoadUnsafe(ref b, start) & keep;
            acc1 = TKernel.Step(acc1, va, vb);
        }

        return Vector256.Sum((acc0 + acc1) + (acc2 + acc3));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Sum128<TKernel>(ref float a, ref float b, int length)
        where TKernel : struct, IAggregationKernel
    {
        const int W = 4;
        Vector128<float> acc0 = Vector128<float>.Zero, acc1 = acc0, acc2 = acc0, acc3 = acc0;
        nuint n = (uint)length, i = 0;
        for (; i + 4 * W <= n; i += 4 * W)
        {
            acc0 = TKernel.Step(acc0, Vector128.LoadUnsafe(ref a, i), Vector128.LoadUnsafe(ref b, i));
            acc1 = TKernel.Step(acc1, Vector128.LoadUnsafe(ref a, i + W), Vector128.LoadUnsafe(ref b, i + W));
            acc2 = TKernel.Step(acc2, Vector128.LoadUnsafe(ref a, i + 2 * W), Vector128.LoadUnsafe(ref b, i + 2 * W));
            acc3 = TKernel.Step(acc3, Vector128.LoadUnsafe(ref a, i + 3 * W), Vector128.LoadUnsafe(ref b, i + 3 * W));
        }

        for (; i + W <= n; i += W)
        {
            acc0 = TKernel.Step(acc0, Vector128.LoadUnsafe(ref a, i), Vector128.LoadUnsafe(ref b, i));
        }

        if (i < n)
        {
            nuint start = n - W;
            Vector128<float> keep = Vector128.GreaterThanOrEqual(Vector128<int>.Indices, Vector128.Create((int)(i - start))).AsSingle();
            Vector128<float> va = Vector128.LoadUnsafe(ref a, start) & keep;
            Vector128<float> vb = Vector128.LoadUnsafe(ref b, start) & keep;
            acc1 = TKernel.Step(acc1, va, vb);
        }

        return Vector128.Sum((acc0 + acc1) + (acc2 + acc3));
    }
}
