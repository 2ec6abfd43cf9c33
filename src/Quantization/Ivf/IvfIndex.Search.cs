using System.Runtime.CompilerServices;
using VectorEngine.Distances.Engine;
using VectorEngine.Indexing;
using VectorEngine.Indexing.Scoring;
using VectorEngine.Quantization.Kernels;
using VectorEngine.Quantization.Product;
using VectorEngine.Quantization.Scalar;

namespace VectorEngine.Quantization.Ivf;

/// <summary>
/// Queries: the nprobe nearest centroids, then a scan of their lists with the filter checked before any distance;
/// codes (SQ8, PQ) feed k · oversampling candidates that are rescored with the float vectors.
/// </summary>
public sealed partial class IvfIndex
{
    /// <summary>How far ahead of the scan a float or int8 row is prefetched.</summary>
    private const int PrefetchDistance = 4;

    /// <inheritdoc />
    public int RescoreCandidates(SearchParams parameters, int k)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (Parameters.Encoding == IvfEncoding.Flat || !(parameters.Rescore ?? Parameters.Rescore))
        {
            return 0;
        }

        return Math.Max(k, (int)Math.Ceiling(k * Math.Max(1.0, parameters.Oversampling ?? Parameters.Oversampling)));
    }

    /// <inheritdoc />
    public void Search<TFilter>(ReadOnlySpan<float> query, SearchParams parameters, TFilter filter, TopKCollector results)
        where TFilter : struct, IOffsetFilter =>
        Search(query, parameters, filter, results, CancellationToken.None);

    /// <inheritdoc />
    public void Search<TFilter>(ReadOnlySpan<float> query, SearchParams parameters, TFilter filter, TopKCollector results, CancellationToken cancellationToken)
        where TFilter : struct, IOffsetFilter
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(results);
        if (Count == 0)
        {
            return;
        }

        int probes = Math.Clamp(parameters.NProbe ?? Parameters.NProbe, 1, NList);
        bool codes = Parameters.Encoding != IvfEncoding.Flat;
        bool rescore = codes && (parameters.Rescore ?? Parameters.Rescore);
        double oversampling = Math.Max(1.0, parameters.Oversampling ?? Parameters.Oversampling);
        int candidates = rescore ? Math.Max(results.K, (int)Math.Ceiling(results.K * oversampling)) : results.K;
        IvfSearchContext context = _contexts.Get();
        try
        {
            context.Reserve(probes, candidates);
            int probed = Probe(query, probes, context);
            TopKCollector into = rescore ? context.Candidates : results;
            if (rescore)
            {
                into.Reset(candidates);
            }

            switch (Parameters.Encoding)
            {
                case IvfEncoding.Flat when _innerProduct:
                    ScanOffsets(FloatScorer<FloatRowScorer<NegativeDotKernel>>(query, context), probed, context, filter, into, cancellationToken);
                    break;
                case IvfEncoding.Flat:
                    ScanOffsets(FloatScorer<FloatRowScorer<L2SquaredKernel>>(query, context), probed, context, filter, into, cancellationToken);
                    break;
                case IvfEncoding.Sq8 when _int8!.Choice.PreciseQuery:
                    ScanOffsets(_int8.PreparePrecise(query, context.Scratch), probed, context, filter, into, cancellationToken);
                    break;
                case IvfEncoding.Sq8:
                    ScanOffsets(_int8.Prepare(query, context.Scratch), probed, context, filter, into, cancellationToken);
                    break;
                default:
                    ScanPq(query, probed, context, filter, into, cancellationToken);
                    break;
            }

            if (rescore)
            {
                Rescore(query, context, results);
            }
        }
        finally
        {
            _contexts.Return(context);
        }
    }

    /// <summary>The <paramref name="probes"/> lists nearest the query, nearest first, into the context; returns how many.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Probe(ReadOnlySpan<float> query, int probes, IvfSearchContext context)
    {
        int dim = _store.Dimension;
        TopKCollector nearest = context.Probes;
        nearest.Reset(probes);
        ReadOnlySpan<float> centroids = _centroids;
        for (int c = 0; c < NList; c++)
        {
            ReadOnlySpan<float> centroid = centroids.Slice(c * dim, dim);
            float distance = _innerProduct ? -VectorDistance.Dot(query, centroid) : VectorDistance.SquaredL2(query, centroid);
            nearest.Add(distance, (uint)c);
        }

        return nearest.DrainSorted(context.ProbeDistances, context.ProbeLists);
    }

    private unsafe TScorer FloatScorer<TScorer>(ReadOnlySpan<float> query, IvfSearchContext context)
        where TScorer : struct, IFloatScorer<TScorer> =>
        TScorer.Create(context.Query.Load(query, _store.Stride), _store.Base, _store.Stride);

    /// <summary>Scores the entries of the probed lists by offset (float rows or int8 rows, both row-for-row with the store).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ScanOffsets<TScorer, TFilter>(TScorer scorer, int probed, IvfSearchContext context, TFilter filter, TopKCollector into, CancellationToken cancellationToken)
        where TScorer : struct, IVectorScorer
        where TFilter : struct, IOffsetFilter
    {
        for (int p = 0; p < probed; p++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            InvertedList list = Volatile.Read(ref _lists[context.ProbeLists[p]]);
            int n = list.Count;
            uint[] offsets = list.Offsets;
            for (int i = 0; i < Math.Min(n, PrefetchDistance); i++)
            {
                scorer.Prefetch(offsets[i]);
            }

            for (int i = 0; i < n; i++)
            {
                if (i + PrefetchDistance < n)
                {
                    scorer.Prefetch(offsets[i + PrefetchDistance]);
                }

                uint offset = offsets[i];
                if (filter.Accept(offset))
                {
                    into.Add(scorer.Distance(offset), offset);
                }
            }
        }
    }

    /// <summary>
    /// IVF-PQ: one table per query (list-independent, see <see cref="ResidualTerms"/>), then per list the centroid's
    /// term plus, per entry, its stored term and m lookups.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void ScanPq<TFilter>(ReadOnlySpan<float> query, int probed, IvfSearchContext context, TFilter filter, TopKCollector into, CancellationToken cancellationToken)
        where TFilter : struct, IOffsetFilter
    {
        ProductQuantizer pq = _pq!;
        int m = pq.SubQuantizers, dim = _store.Dimension;
        float* table = (float*)context.Scratch.Get(pq.TableLength * sizeof(float));
        pq.DotTable(query, _innerProduct ? -1f : -2f, table);
        for (int p = 0; p < probed; p++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            uint listId = context.ProbeLists[p];
            InvertedList list = Volatile.Read(ref _lists[listId]);
            int n = list.Count;
            uint[] offsets = list.Offsets;
            float[] terms = list.Terms;

            // L2: |q − c|² from the probe; inner product: −q·c.
            float constant = _innerProduct ? -VectorDistance.Dot(query, _centroids.AsSpan((int)listId * dim, dim)) : context.ProbeDistances[p];
            fixed (byte* codes = list.Codes)
            {
                for (int i = 0; i < n; i++)
                {
                    uint offset = offsets[i];
                    if (!filter.Accept(offset))
                    {
                        continue;
                    }

                    float distance = constant + AdcSum.Sum(table, codes + ((nint)i * m), m);
                    if (terms.Length > 0)
                    {
                        distance += terms[i];
                    }

                    into.Add(distance, offset);
                }
            }
        }
    }

    /// <summary>Exact distances for the candidates, offered to the caller's results.</summary>
    private void Rescore(ReadOnlySpan<float> query, IvfSearchContext context, TopKCollector results)
    {
        int n = context.Candidates.DrainSorted(context.CandidateDistances, context.CandidateOffsets);
        ReadOnlySpan<uint> offsets = context.CandidateOffsets.AsSpan(0, n);
        if (_innerProduct)
        {
            RescoreWith(FloatScorer<FloatRowScorer<NegativeDotKernel>>(query, context), offsets, results);
        }
        else
        {
            RescoreWith(FloatScorer<FloatRowScorer<L2SquaredKernel>>(query, context), offsets, results);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RescoreWith<TScorer>(TScorer scorer, ReadOnlySpan<uint> offsets, TopKCollector results)
        where TScorer : struct, IVectorScorer
    {
        foreach (uint offset in offsets)
        {
            scorer.Prefetch(offset);
        }

        foreach (uint offset in offsets)
        {
            results.Add(scorer.Distance(offset), offset);
        }
    }
}
