using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using VectorEngine.Distances.Engine;

namespace VectorEngine.Indexing.Scoring;

/// <summary>
/// Scores an <see cref="IVectorStore"/>'s float rows against a query with one distance kernel: squared L2
/// (<see cref="L2SquaredKernel"/>) or negated inner product (<see cref="NegativeDotKernel"/>, for inner product and
/// normalised cosine). The query must be padded with zeros to the store's stride (see <see cref="QueryBuffer"/>): rows
/// are padded the same way, so the kernel runs whole vectors with no tail and the padding adds nothing to the sum.
/// </summary>
/// <typeparam name="TKernel">The distance kernel; a struct, so each instantiation is compiled on its own and inlined.</typeparam>
internal readonly unsafe struct FloatRowScorer<TKernel> : IFloatScorer<FloatRowScorer<TKernel>>
    where TKernel : struct, IAggregationKernel
{
    private readonly float* _query;
    private readonly float* _rows;
    private readonly nint _stride;

    /// <summary>Creates a scorer.</summary>
    /// <param name="query">The zero-padded query, <paramref name="stride"/> floats long.</param>
    /// <param name="rows">Row 0 of the store.</param>
    /// <param name="stride">Floats per row, a multiple of 16.</param>
    public FloatRowScorer(float* query, float* rows, int stride)
    {
        _query = query;
        _rows = rows;
        _stride = stride;
    }

    /// <inheritdoc />
    public static FloatRowScorer<TKernel> Create(float* query, float* rows, int stride) => new(query, rows, stride);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Distance(uint offset) => PaddedRows.Distance<TKernel>(_query, _rows + (offset * _stride), _stride);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(uint offset) => RowPrefetch.Row(_rows + (offset * _stride), _stride);
}

/// <summary>The float rows of a store, each scored against the others with one kernel: a float graph build's space.</summary>
/// <typeparam name="TKernel">The distance kernel.</typeparam>
internal readonly unsafe struct FloatRowSpace<TKernel>(float* rows, int stride) : IRowSpace<FloatRowScorer<TKernel>>
    where TKernel : struct, IAggregationKernel
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public FloatRowScorer<TKernel> From(uint row) => new(rows + ((nint)row * stride), rows, stride);
}

/// <summary>Software prefetch of the head of a row; the hardware prefetcher follows the rest of a sequential row.</summary>
internal static unsafe class RowPrefetch
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Row(float* row, nint stride)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(row);
            if (stride > 16)
            {
                Sse.Prefetch0(row + 16);
            }
        }
    }
}
