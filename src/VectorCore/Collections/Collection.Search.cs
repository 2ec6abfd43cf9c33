using System.Buffers;
using VectorEngine.Diagnostics;
using VectorEngine.Filters;
using VectorEngine.Filters.Planning;
using VectorEngine.Indexing;
using VectorEngine.Searching;
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
    private static TopKMerger<SegmentRow>? t_merger;

    // Made once (in the constructor): a method group converted per call would allocate a delegate per searched segment.
    private readonly FilterPlanner.LocateId _locateLocked;
    private readonly FilterPlanner.LocateId _locateUnlocked;

    /// <summary>The k nearest points to <paramref name="vector"/>.</summary>
    /// <param name="vector">The query.</param>
    /// <param name="limit">How many results, 1 to <see cref="MaxLimit"/>.</param>
    /// <param name="filter">Only points that pass it.</param>
    public SearchResults Search(float[] vector, int limit, Filter? filter = null) =>
        Search(new SearchRequest(vector, limit) { Filter = filter });

    /// <summary>Runs one search.</summary>
    /// <param name="request">The search.</param>
    /// <exception cref="DimensionMismatchException">The query has the wrong length.</exception>
    /// <exception cref="InvalidVectorException">The query holds NaN or infinity.</exception>
    /// <exception cref="VectorEngineArgumentException">The limit is out of range, or the threshold is not finite.</exception>
    /// <exception cref="InvalidFilterException">The filter is malformed.</exception>
    public SearchResults Search(SearchRequest request) => Search(request, CancellationToken.None);

    /// <summary>Runs one search that stops when <paramref name="cancellationToken"/> is cancelled (a server call's deadline).</summary>
    /// <param name="request">The search.</param>
    /// <param name="cancellationToken">Checked before each segment and within exact scans, every block of rows.</param>
    /// <exception cref="OperationCanceledException">The token was cancelled; no result is returned.</exception>
    /// <exception cref="DataCorruptionException">A cold segment the search needed has an archive that fails its check.</exception>
    public SearchResults Search(SearchRequest request, CancellationToken cancellationToken)
    {
        request = request is null ? request! : WithEmbeddedQuery(request);
        float[] query = ValidateSearch(request, "request");
        cancellationToken.ThrowIfCancellationRequested();
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        using System.Diagnostics.Activity? activity = EngineTelemetry.Source.StartActivity("vectorengine.search");
        activity?.SetTag("vectorengine.collection", Name);
        activity?.SetTag("vectorengine.limit", request.Limit);
        activity?.SetTag("vectorengine.filtered", request.Filter is not null);
        SearchResults hits = SearchPinned(request, query, cancellationToken);
        EngineTelemetry.Searches.Add(1, EngineTelemetry.Collection(Name), EngineTelemetry.Kind("vector"));
        EngineTelemetry.SearchDuration.Record(EngineTelemetry.MillisecondsSince(start), EngineTelemetry.Collection(Name), EngineTelemetry.Kind("vector"));
        return hits;
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
        requests = requests.Select(r => r is null ? r! : WithEmbeddedQuery(r)).ToArray();
        for (int i = 0; i < requests.Count; i++)
        {
            queries[i] = ValidateSearch(requests[i], $"requests[{i}]");
        }

        var results = new IReadOnlyList<ScoredPoint>[requests.Count];

        // Each search pins the segment set itself, so writes may land between the searches of one batch. At most one
        // search per core: an unbounded Parallel.For keeps injecting threads for a large batch.
        var parallel = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.For(0, requests.Count, parallel, i => results[i] = SearchPinned(requests[i], queries[i], cancellationToken));
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

    private SearchResults SearchPinned(SearchRequest request, float[] query, CancellationToken cancellationToken)
    {
        SegmentSet set = PinResidentSet(out bool partial);
        long now = _dbOptions.TimeProvider.GetUtcNow().UtcTicks;
        TopKMerger<SegmentRow> merger = t_merger ??= new TopKMerger<SegmentRow>();
        try
        {
            int k = request.Limit;
            float maxDistance = request.ScoreThreshold is { } t ? Metric.ToDistance(t) : float.PositiveInfinity;
            TopKCollector collector = t_collector ??= new TopKCollector(k);
            float[] distances = ArrayPool<float>.Shared.Rent(k);
            uint[] offsets = ArrayPool<uint>.Shared.Rent(k);
            try
            {
                foreach (Segment segment in set.Segments)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (segment.Tier == SegmentTier.Cold)
                    {
                        // Left out: its fetch did not finish within the policy's wait (it goes on in the background).
                        partial = true;
                        continue;
                    }

                    if (segment != set.Mutable)
                    {
                        // Frozen and sealed segments change only in their tombstones: no lock.
                        if (SearchSegment(segment, query, request, maxDistance, collector, merger, _locateLocked, distances, offsets, cancellationToken))
                        {
                            TouchSegment(segment, now);
                        }

                        continue;
                    }

                    // A write landing after this unlocked look is one the search may miss anyway.
                    if (segment.Count == 0)
                    {
                        continue;
                    }

                    _lock.EnterReadLock();
                    try
                    {
                        SearchSegment(segment, query, request, maxDistance, collector, merger, _locateUnlocked, distances, offsets, cancellationToken);
                    }
                    finally
                    {
                        _lock.ExitReadLock();
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(distances);
                ArrayPool<uint>.Shared.Return(offsets);
            }

            RescorePooledWarmCandidates(query, request, maxDistance, collector, merger);
            return new SearchResults(Materialise(set, merger.Best(k), Metric, request.WithPayload, request.WithVector), partial);
        }
        finally
        {
            t_warmCandidates?.Clear();
            merger.Clear();
            set.Unpin();
        }
    }

    /// <summary>
    /// Builds the results of a merge: ids, scores (the metric's score of the distance, or minus the distance for a
    /// text search, whose distances are negated BM25 scores), and payloads and vectors copied out.
    /// </summary>
    private ScoredPoint[] Materialise(SegmentSet set, IReadOnlyList<TopKMerger<SegmentRow>.Candidate> best, DistanceMetric? metric, bool withPayload, bool withVector)
    {
        var results = new ScoredPoint[best.Count];
        bool readsMutable = false;
        for (int i = 0; i < best.Count; i++)
        {
            readsMutable |= best[i].Item.Segment == set.Mutable;
        }

        // The mutable segment's vectors may move when it grows: its rows are copied out under the state lock.
        if (readsMutable)
        {
            _lock.EnterReadLock();
        }

        try
        {
            for (int i = 0; i < best.Count; i++)
            {
                (Segment segment, uint offset) = best[i].Item;
                results[i] = new ScoredPoint(
                    best[i].Id,
                    metric is { } m ? m.ToScore(best[i].Distance) : -best[i].Distance,
                    withPayload ? segment.PayloadAt(offset).Clone() : null,
                    withVector ? segment.Store.GetVector(offset).ToArray() : null);
            }
        }
        finally
        {
            if (readsMutable)
            {
                _lock.ExitReadLock();
            }
        }

        return results;
    }

    /// <summary>Plans and runs the search of one segment and offers its results, within the threshold, to the merger.</summary>
    /// <returns>False when the plan skipped the segment (nothing in it can match): not an access, for the tier policy.</returns>
    private bool SearchSegment(Segment segment, float[] query, SearchRequest request, float maxDistance, TopKCollector collector,
        TopKMerger<SegmentRow> merger, FilterPlanner.LocateId locate, float[] distances, uint[] offsets, CancellationToken cancellationToken)
    {
        SegmentPlan plan = SearchPlanner.Plan(segment, request, _dbOptions.ExactFilterThreshold, locate);
        if (plan.Kind == SegmentPlanKind.Skip)
        {
            return false;
        }

        if (segment.Tier == SegmentTier.Warm && plan.Kind == SegmentPlanKind.Index &&
            segment.Index.RescoreCandidates(request.Params, request.Limit) is var candidates and > 0)
        {
            CollectWarmCandidates(segment, plan, query, request, candidates, collector, cancellationToken);
            return true;
        }

        collector.Reset(request.Limit);
        SegmentSearcher.Run(plan, query, request, request.Params, collector, cancellationToken);
        int n = collector.DrainSorted(distances, offsets);
        merger.BeginPart();
        for (int i = 0; i < n && distances[i] <= maxDistance; i++)
        {
            merger.Add(distances[i], segment.IdAt(offsets[i]), new SegmentRow(segment, offsets[i]));
        }

        return true;
    }

    /// <summary>The id map read under the state lock, for has-id conditions on segments searched without it.</summary>
    private bool LocateLocked(PointId id, out PointLocation location)
    {
        _lock.EnterReadLock();
        try
        {
            return _ids.TryGet(id, out location);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>A row of a segment: what the merger carries back for each candidate.</summary>
    private readonly record struct SegmentRow(Segment Segment, uint Offset);
}
