using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VectorEngine.Distances.Engine;

namespace VectorEngine.Indexing;

/// <summary>
/// Exact scans over a vector store: all rows, or a gathered list of offsets. Rows are scored in blocks with the
/// one-to-many kernel; the filter is consulted only for rows that would enter the top-k, which keeps a mostly
/// unfiltered scan at memory speed.
/// </summary>
public static unsafe class ExactScan
{
    private const int BlockRows = 64;

    /// <summary>Scores every row of <paramref name="store"/> and offers the accepted ones to <paramref name="results"/>.</summary>
    /// <typeparam name="TFilter">The acceptance test.</typeparam>
    /// <param name="store">The vectors.</param>
    /// <param name="query">The preprocessed query.</param>
    /// <param name="filter">Which offsets may be returned.</param>
    /// <param name="results">Receives (distance, offset) pairs.</param>
    /// <param name="cancellationToken">Checked every block of rows: a cancelled scan stops within one block.</param>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static void All<TFilter>(IVectorStore store, ReadOnlySpan<float> query, TFilter filter, TopKCollector results,
        CancellationToken cancellationToken = default)
        where TFilter : struct, IOffsetFilter
    {
        if (store.Metric == DistanceMetric.L2)
        {
            All<L2SquaredKernel, TFilter>(store, query, filter, results, cancellationToken);
        }
        else
        {
            All<NegativeDotKernel, TFilter>(store, query, filter, results, cancellationToken);
        }
    }

    /// <summary>Scores the rows named in <paramref name="offsets"/> (already filtered) and offers them to <paramref name="results"/>.</summary>
    /// <param name="store">The vectors.</param>
    /// <param name="query">The preprocessed query.</param>
    /// <param name="offsets">The rows to score.</param>
    /// <param name="results">Receives (distance, offset) pairs.</param>
    /// <param name="cancellationToken">Checked every block of rows: a cancelled scan stops within one block.</param>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static void Gather(IVectorStore store, ReadOnlySpan<float> query, ReadOnlySpan<uint> offsets, TopKCollector results,
        CancellationToken cancellationToken = default)
    {
        if (store.Metric == DistanceMetric.L2)
        {
            Gather<L2SquaredKernel>(store, query, offsets, results, cancellationToken);
        }
        else
        {
            Gather<NegativeDotKernel>(store, query, offsets, results, cancellationToken);
        }
    }

    // AggressiveOptimization: on a one-CPU process the tier-0 scan was observed to stay un-promoted for thousands of
    // queries (SIFT flat, taskset -c 0: 1.5k QPS vs 13k fully optimized), so the scan loops skip tiering.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void All<TKernel, TFilter>(IVectorStore store, ReadOnlySpan<float> query, TFilter filter, TopKCollector results,
        CancellationToken cancellationToken)
        where TKernel : struct, IAggregationKernel
        where TFilter : struct, IOffsetFilter
    {
        int count = store.Count, dim = store.Dimension, stride = store.Stride;
        ref float q = ref MemoryMarshal.GetReference(query);
        float* rows = store.Base;
        Span<float> distances = stackalloc float[BlockRows];
        for (int start = 0; start < count; start += BlockRows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = Math.Min(BlockRows, count - start);
            Span<float> block = distances[..n];
            OneToMany.Invoke<TKernel>(ref q, ref *(rows + ((nint)start * stride)), dim, stride, block);
            float threshold = results.Threshold;
            for (int r = 0; r < block.Length; r++)
            {
                float d = block[r];
                if (d < threshold && filter.Accept((uint)(start + r)))
                {
                    results.Add(d, (uint)(start + r));
                    threshold = results.Threshold;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gather<TKernel>(IVectorStore store, ReadOnlySpan<float> query, ReadOnlySpan<uint> offsets, TopKCollector results,
        CancellationToken cancellationToken)
        where TKernel : struct, IAggregationKernel
    {
        ref float q = ref MemoryMarshal.GetReference(query);
        ref float rows = ref *store.Base;
        Span<float> distances = stackalloc float[BlockRows];
        for (int start = 0; start < offsets.Length; start += BlockRows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ReadOnlySpan<uint> chunk = offsets.Slice(start, Math.Min(BlockRows, offsets.Length - start));
            Span<float> block = distances[..chunk.Length];
            OneToMany.Gather<TKernel>(ref q, ref rows, store.Dimension, store.Stride, chunk, block);
            for (int r = 0; r < block.Length; r++)
            {
                results.Add(block[r], chunk[r]);
            }
        }
    }
}
