using System.Buffers;
using VectorEngine.Diagnostics;
using VectorEngine.Filters;
using VectorEngine.Filters.Planning;
using VectorEngine.Indexing;
using VectorEngine.Segments;

namespace VectorEngine;

/// <summary>Nearest-neighbour search.</summary>
public sealed partial class Collection
{
    /// <summary>The most candidates a quantized search may rescore (limit x oversampling).</summary>
    public const int MaxRescoredCandidates = 100_000;

    [ThreadStatic]
    private static TopKCollector? t_collector;

    [ThreadStatic]
    private static List<(float Distance, Segment Segment, uint Offset)>? t_merged;

    /// <summary>The k nearest points to <paramref name="vector"/>.</summary>
    /// <param name="vector">The query.</param>
    /// <param name="limit">How many results, 1 to <see cref="MaxLimit"/>.</param>
    /// <param name="filter">Only points that pass it.</param>
    public IReadOnlyList<ScoredPoint> Search(float[] vector, int limit, Filter? filter = null) =>
        Search(new SearchRequest(vector, limit) { Filter = filter });

    /// <summary>Runs one search.</summary>
    /// <param name="request">The search.</param>
    /// <exception cref="DimensionMismatchException">The query has the wrong length.</exception>
    /// <exception cref="InvalidVectorException">The query holds NaN or infinity.</exception>
    /// <exception cref="VectorEngineArgumentException">The limit is out of range, or the threshold is not finite.</exception>
    /// <exception cref="InvalidFilterException">The filter is malformed.</exception>
    public IReadOnlyList<ScoredPoint> Search(SearchRequest request) => Search(request, CancellationToken.None);

    /// <summary>Runs one search that stops when <paramref name="cancellationToken"/> is cancelled (a server call's deadline).</summary>
    /// <param name="request">The search.</param>
    /// <param name="cancellationToken">Checked before each segment and within exact scans, every block of rows.</param>
    /// <exception cref="OperationCanceledException">The token was cancelled; no result is returned.</exception>
    public IReadOnlyList<ScoredPoint> Search(SearchRequest request, CancellationToken cancellationToken)
    {
        float[] query = ValidateSearch(request, "request");
        cancellationToken.ThrowIfCancellationRequested();
        EnterRead();
        try
        {
            return SearchLocked(request, query, cancellationToken);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Runs many searches, spread over all cores. All requests are validated before any runs; results come back in
    /// request order. Each search sees a consistent state; writes may land between two searches of the batch.
    /// </summary>
    /// <param name="requests">The searches.</param>
    public IReadOnlyList<IReadOnlyList<ScoredPoint>> SearchBatch(IReadOnlyList<SearchRequest> requests) =>
        SearchBatch(requests, CancellationToken.None);

    /// <summary>Runs many searches, as <see cref="SearchBatch(IReadOnlyList{SearchRequest})"/>, until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="requests">The searches.</param>
    /// <param name="cancellationToken">Stops the batch; no result is returned.</param>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public IReadOnlyList<IReadOnlyList<ScoredPoint>> SearchBatch(IReadOnlyList<SearchRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        float[][] queries = new float[requests.Count][];
        for (int i = 0; i < requests.Count; i++)
        {
            queries[i] = ValidateSearch(requests[i], $"requests[{i}]");
        }

        var results = new IReadOnlyList<ScoredPoint>[requests.Count];

        // Each search takes the read lock itself (read locks are per thread, and Parallel.For also runs iterations on
        // the calling thread), so writes may interleave between the searches of one batch.
        // At most one search per core: an unbounded Parallel.For keeps injecting threads for a large batch.
        var parallel = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.For(0, requests.Count, parallel, i =>
        {
            EnterRead();
            try
            {
                results[i] = SearchLocked(requests[i], queries[i], cancellationToken);
            }
            finally
            {
                _lock.ExitReadLock();
            }
        });
        return results;
    }

    private float[] ValidateSearch(SearchRequest? request, string field)
    {
        if (request is null)
        {
            ThrowHelper.ThrowArgument(field, $"{field} is null.");
        }

        if (request.Limit is < 1 or > MaxLimit)
        {
            ThrowHelper.ThrowArgument("limit", $"Search limit (k) must be 1 to {MaxLimit}; got {request.Limit}.");
        }

        if (request.ScoreThreshold is { } t && !float.IsFinite(t))
        {
            ThrowHelper.ThrowArgument("scoreThreshold", $"Score threshold must be finite; got {t}.");
        }

        if (request.Params is null)
        {
            ThrowHelper.ThrowArgument("params", "Search params are null.");
        }

        if (request.Params.Ef is < 1 or > 100_000 || request.Params.NProbe is < 1 or > 1_000_000)
        {
            ThrowHelper.ThrowArgument("params", "Search params ef and nprobe must be positive (ef at most 100,000).");
        }

        if (request.Params.Oversampling is { } oversampling &&
            (!double.IsFinite(oversampling) || oversampling < 1 || oversampling * request.Limit > MaxRescoredCandidates))
        {
            // Each candidate costs a slot in the pooled search context: k 10,000 x oversampling 50,000 would reserve GBs.
            ThrowHelper.ThrowArgument("params", $"Search params oversampling must be at least 1 and limit x oversampling at most {MaxRescoredCandidates:N0}; got {oversampling} x {request.Limit}.");
        }

        request.Filter?.Validate();

        // Only cosine needs a transformed copy; L2 and inner-product queries are read in place.
        return PrepareVector(request.Vector, "vector", copy: Metric == DistanceMetric.Cosine);
    }

    private IReadOnlyList<ScoredPoint> SearchLocked(SearchRequest request, float[] query, CancellationToken cancellationToken)
    {
        int k = request.Limit;
        float maxDistance = request.ScoreThreshold is { } t ? Metric.ToDistance(t) : float.PositiveInfinity;
        TopKCollector collector = t_collector ??= new TopKCollector(k);
        List<(float Distance, Segment Segment, uint Offset)> merged = t_merged ??= [];
        merged.Clear();
        float[] distances = ArrayPool<float>.Shared.Rent(k);
        uint[] offsets = ArrayPool<uint>.Shared.Rent(k);
        try
        {
            foreach (Segment segment in _segments.Values)
            {
                if (segment.LiveCount == 0)
                {
                    continue;
                }

                cancellationToken.ThrowIfCancellationRequested();
                collector.Reset(k);
                SearchSegment(segment, query, request, collector, cancellationToken);
                int n = collector.DrainSorted(distances, offsets);
                for (int i = 0; i < n; i++)
                {
                    if (distances[i] <= maxDistance)
                    {
                        merged.Add((distances[i], segment, offsets[i]));
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(distances);
            ArrayPool<uint>.Shared.Return(offsets);
        }

        merged.Sort((a, b) => a.Distance.CompareTo(b.Distance));
        int count = Math.Min(k, merged.Count);
        var results = new ScoredPoint[count];
        try
        {
            for (int i = 0; i < count; i++)
            {
                (float distance, Segment segment, uint offset) = merged[i];
                results[i] = new ScoredPoint(
                    segment.IdAt(offset),
                    Metric.ToScore(distance),
                    request.WithPayload ? segment.PayloadAt(offset).Clone() : null,
                    request.WithVector ? segment.Store.GetVector(offset).ToArray() : null);
            }
        }
        finally
        {
            // Drop segment references so a merged-away segment is not kept alive by an idle thread.
            merged.Clear();
        }

        return results;
    }

    /// <summary>
    /// The per-segment plan: no filter → the index (or an exact scan when asked); a filter → its matching set scanned
    /// exactly when the estimate is small or the index is exact anyway, otherwise the index traversal with the filter
    /// tested on each visited node.
    /// </summary>
    private void SearchSegment(Segment segment, float[] query, SearchRequest request, TopKCollector collector, CancellationToken cancellationToken)
    {
        if (request.Filter is null)
        {
            var live = new LiveFilter(segment.Deleted);
            if (request.Params.Exact || segment.Index.IsExact)
            {
                ExactScan.All(segment.Store, query, live, collector, cancellationToken);
            }
            else
            {
                segment.Index.Search(query, request.Params, live, collector, cancellationToken);
            }

            return;
        }

        // Small matching sets are scanned exactly; large ones traverse the index and test the filter on each node the
        // search visits (a rejected node still routes). The estimate is an upper bound or a sample, so a set that turns
        // out small after all is still found: the traversal keeps going until it holds ef accepted nodes.
        bool exact = request.Params.Exact || segment.Index.IsExact
            || FilterPlanner.EstimateMatches(segment, request.Filter)
                <= (_dbOptions.ExactFilterThreshold ?? FilterPlanner.ExactScanLimit(segment.Count, request.Params.Ef, request.Limit));
        if (exact)
        {
            List<uint> matching = MatchingOffsets(segment, request.Filter);
            if (matching.Count > 0)
            {
                ExactScan.Gather(segment.Store, query, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(matching), collector, cancellationToken);
            }

            return;
        }

        segment.Index.Search(query, request.Params, new PayloadFilter(segment, request.Filter), collector, cancellationToken);
    }

    /// <summary>Accepts live offsets whose point passes the filter, evaluated when the traversal reaches them.</summary>
    private readonly struct PayloadFilter(Segment segment, Filter filter) : IOffsetFilter
    {
        public bool Accept(uint offset) =>
            segment.IsLive(offset) && filter.Matches(segment.IdAt(offset), segment.PayloadAt(offset));
    }
}
