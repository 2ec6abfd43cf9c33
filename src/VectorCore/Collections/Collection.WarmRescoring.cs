using VectorEngine.Diagnostics;
using VectorEngine.Distances.Engine;
using VectorEngine.Indexing;
using VectorEngine.Indexing.Scoring;
using VectorEngine.Searching;
using VectorEngine.Segments;

namespace VectorEngine;

/// <summary>
/// Warm segments traverse their codes and rescore from float rows on disk. Their candidates are pooled over the whole
/// search and rescored nearest code distance first, stopping when the rest cannot get in; each batch's rows are
/// requested from disk together, then copied out with positional reads. Rescoring each segment's own candidates through
/// the mapping read every one of them, one page fault at a time (10M points in 58 warm segments: 6-9 QPS, more than half
/// the time in the kernel's page-fault paths).
/// </summary>
public sealed partial class Collection
{
    [ThreadStatic]
    private static WarmCandidatePool? t_warmCandidates;

    [ThreadStatic]
    private static QueryBuffer? t_paddedQuery;

    [ThreadStatic]
    private static QueryBuffer? t_rowBuffer;

    [ThreadStatic]
    private static SearchParams? t_codeOnlySource;

    [ThreadStatic]
    private static SearchParams? t_codeOnly;

    /// <summary>
    /// How many times the largest overstatement seen so far a later candidate's code distance may be off. The largest of
    /// a few dozen rows understates the tail: at 1x, 2M text-like points on PQ codes lost 2 points of recall@10 (0.942 to
    /// 0.920 at ef 64); at 2x recall matched rescoring each segment's own candidates exactly (0.9417, 0.9852 at ef 256)
    /// at twice the QPS.
    /// </summary>
    private const float OverstatementMargin = 2f;

    /// <summary>Searches a warm segment's codes for its rescoring candidates and pools them (code distances).</summary>
    private static void CollectWarmCandidates(Segment segment, in SegmentPlan plan, float[] query, SearchRequest request, int candidates,
        TopKCollector collector, CancellationToken cancellationToken)
    {
        collector.Reset(candidates);
        SegmentSearcher.Run(plan, query, request, CodeOnly(request.Params), collector, cancellationToken);
        (t_warmCandidates ??= new WarmCandidatePool()).AddFrom(segment, collector);
    }

    /// <summary>
    /// Rescores the pooled warm candidates with their float rows, nearest code distance first, in batches of one
    /// segment's k · oversampling, and offers them to the merger. It stops once the next candidate's code distance,
    /// less <see cref="OverstatementMargin"/> times the largest amount by which a code distance overstated a rescored
    /// row's true distance, is beyond the k-th nearest true distance found (or the score threshold): the rest are not expected to get in. At most every
    /// segment's own k · oversampling are read, what rescoring each segment alone would have read.
    /// </summary>
    private unsafe void RescorePooledWarmCandidates(float[] query, SearchRequest request, float maxDistance, TopKCollector collector, TopKMerger<SegmentRow> merger)
    {
        WarmCandidatePool? pool = t_warmCandidates;
        if (pool is null || pool.Count == 0)
        {
            return;
        }

        int batch = pool.PerSegment;

        // The index's own kernel over the padded row: a point's score is the same to the last bit in every tier.
        int stride = pool.RowAt(0).Segment.Store.Stride;
        float* padded = (t_paddedQuery ??= new QueryBuffer()).Load(query, stride);
        float* row = (t_rowBuffer ??= new QueryBuffer()).Load([], stride);
        var rowBytes = new Span<byte>(row, stride * sizeof(float));
        ReadOnlySpan<uint> ordered = pool.SelectBest(pool.Count, collector);
        collector.Reset(request.Limit);
        merger.BeginUnorderedPart();
        float overstated = 0;
        int read = 0;
        for (int from = 0; from < ordered.Length; from += batch)
        {
            // Two batches at least: the first alone says little about how far the codes may be off.
            float bound = Math.Min(collector.Threshold, maxDistance);
            if (from >= 2 * batch && pool.DistanceAt((int)ordered[from]) - (overstated * OverstatementMargin) > bound)
            {
                break;
            }

            read = Math.Min(from + batch, ordered.Length);

            ReadOnlySpan<uint> rows = ordered.Slice(from, Math.Min(batch, ordered.Length - from));

            // The rows are scattered over the segments' files: ask for the whole batch before reading any, so the
            // disk serves them in parallel rather than one read at a time.
            foreach (uint i in rows)
            {
                (Segment segment, uint offset) = pool.RowAt((int)i);
                if (segment.Store is MappedVectorStore mapped)
                {
                    mapped.WillNeed(offset);
                }
            }

            foreach (uint i in rows)
            {
                (Segment segment, uint offset) = pool.RowAt((int)i);
                float distance;
                if (segment.Store is MappedVectorStore { ReadsFromFile: true } file)
                {
                    file.ReadRow(offset, rowBytes);
                    distance = Distance(padded, row, stride);
                }
                else
                {
                    distance = Distance(padded, segment.Store.Base + ((nint)offset * stride), stride);
                }

                overstated = Math.Max(overstated, pool.DistanceAt((int)i) - distance);
                collector.Add(distance, i);
                if (distance <= maxDistance)
                {
                    merger.Add(distance, segment.IdAt(offset), new SegmentRow(segment, offset));
                }
            }
        }

        EngineTelemetry.WarmRowsRescored.Add(read, EngineTelemetry.Collection(Name));
    }

    private unsafe float Distance(float* padded, float* row, int stride) =>
        Metric == DistanceMetric.L2
            ? PaddedRows.Distance<L2SquaredKernel>(padded, row, stride)
            : PaddedRows.Distance<NegativeDotKernel>(padded, row, stride);

    /// <summary>The search's parameters with rescoring off and oversampling 1: the index returns code distances.</summary>
    private static SearchParams CodeOnly(SearchParams parameters)
    {
        // Cached per thread by value (a record): consecutive searches with equal parameters allocate nothing.
        if (!parameters.Equals(t_codeOnlySource))
        {
            t_codeOnly = parameters with { Rescore = false, Oversampling = 1 };
            t_codeOnlySource = parameters;
        }

        return t_codeOnly!;
    }
}
