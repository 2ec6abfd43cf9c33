using System.Runtime.CompilerServices;

namespace VectorEngine.Distances.Engine;

/// <summary>
/// One query against a strided block of rows: the shape of an exact scan. Rows are contiguous in memory, so the hardware
/// prefetcher streams them; the query stays in L1. Uses the streaming (256-bit) reduction; see
/// <see cref="PairwiseAggregate.InvokeStreaming{TKernel}"/>.
/// </summary>
internal static class OneToMany
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Invoke<TKernel>(ref float query, ref float block, int dimension, nint stride, Span<float> distances)
        where TKernel : struct, IAggregationKernel
    {
        ref float row = ref block;
        for (int r = 0; r < distances.Length; r++)
        {
            distances[r] = PairwiseAggregate.InvokeStreaming<TKernel>(ref query, ref row, dimension);
            row = ref Unsafe.Add(ref row, stride);
        }
    }

    /// <summary>Scores the rows named by <paramref name="offsets"/> (a gathered scan over a filtered set).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Gather<TKernel>(ref float query, ref float block, int dimension, nint stride, ReadOnlySpan<uint> offsets, Span<float> distances)
        where TKernel : struct, IAggregationKernel
    {
        for (int r = 0; r < offsets.Length; r++)
        {
            distances[r] = PairwiseAggregate.InvokeStreaming<TKernel>(ref query, ref Unsafe.Add(ref block, (nint)offsets[r] * stride), dimension);
        }
    }
}
