using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace VectorEngine.Distances.Engine;

/// <summary>
/// The pairwise reduction for rows padded with zeros to a multiple of 16 floats (segment stores and padded queries):
/// no tail to mask, so the loop is small enough to inline into a graph traversal, where a call per neighbour costs a
/// measurable share of a short query.
/// </summary>
internal static class PaddedRows
{
    /// <summary>The kernel's reduction over <paramref name="stride"/> floats, a multiple of 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe float Distance<TKernel>(float* a, float* b, nint stride)
        where TKernel : struct, IAggregationKernel
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> acc0 = Vector512<float>.Zero, acc1 = acc0;
            nint i = 0;
            for (; i + 32 <= stride; i += 32)
            {
                acc0 = TKernel.Step(acc0, Vector512.Load(a + i), Vector512.Load(b + i));
                acc1 = TKernel.Step(acc1, Vector512.Load(a + i + 16), Vector512.Load(b + i + 16));
            }

            if (i < stride)
            {
                acc0 = TKernel.Step(acc0, Vector512.Load(a + i), Vector512.Load(b + i));
            }

            return TKernel.Finish(Vector512.Sum(acc0 + acc1));
        }

        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> acc0 = Vector256<float>.Zero, acc1 = acc0, acc2 = acc0, acc3 = acc0;
            nint i = 0;
            for (; i + 32 <= stride; i += 32)
            {
                acc0 = TKernel.Step(acc0, Vector256.Load(a + i), Vector256.Load(b + i));
                acc1 = TKernel.Step(acc1, Vector256.Load(a + i + 8), Vector256.Load(b + i + 8));
                acc2 = TKernel.Step(acc2, Vector256.Load(a + i + 16), Vector256.Load(b + i + 16));
                acc3 = TKernel.Step(acc3, Vector256.Load(a + i + 24), Vector256.Load(b + i + 24));
            }

            if (i < stride)
            {
                acc0 = TKernel.Step(acc0, Vector256.Load(a + i), Vector256.Load(b + i));
                acc1 = TKernel.Step(acc1, Vector256.Load(a + i + 8), Vector256.Load(b + i + 8));
            }

            return TKernel.Finish(Vector256.Sum((acc0 + acc1) + (acc2 + acc3)));
        }

        return PairwiseAggregate.Invoke<TKernel>(ref *a, ref *b, (int)stride);
    }
}
