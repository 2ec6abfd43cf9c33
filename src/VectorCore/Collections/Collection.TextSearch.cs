using System.Buffers;
using VectorEngine.Diagnostics;
using VectorEngine.Indexing;
using VectorEngine.PayloadIndexes;
using VectorEngine.Searching;
using VectorEngine.Segments;

namespace VectorEngine;

/// <summary>BM25 full-text search.</summary>
public sealed partial class Collection
{
    /// <summary>The best BM25 matches of a free-text query in one text field, best first (score = BM25).</summary>
    /// <param name="request">The search.</param>
    /// <param name="cancellationToken">Checked between segments and terms.</param>
    /// <exception cref="VectorEngineArgumentException">The field has no text index, or the limit or query is out of range.</exception>
    /// <exception cref="InvalidFilterException">The filter is malformed.</exception>
    public IReadOnlyList<ScoredPoint> SearchText(TextSearchRequest request, CancellationToken cancellationToken = default)
    {
        PayloadIndexSchema schema = ValidateTextSearch(request);
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        using System.Diagnostics.Activity? activity = EngineTelemetry.Source.StartActivity("vectorengine.text_search");
        activity?.SetTag("vectorengine.collection", Name);
        activity?.SetTag("vectorengine.field", request.Field);
        EngineTelemetry.Searches.Add(1, EngineTelemetry.Collection(Name), EngineTelemetry.Kind("text"));
        try
        {
            FetchAllCold();
            return WithResidentSegments(() => SearchTextPinned(request, schema, cancellationToken));
        }
        finally
        {
            EngineTelemetry.SearchDuration.Record(EngineTelemetry.MillisecondsSince(start), EngineTelemetry.Collection(Name), EngineTelemetry.Kind("text"));
        }
    }

    private IReadOnlyList<ScoredPoint> SearchTextPinned(TextSearchRequest request, PayloadIndexSchema schema, CancellationToken cancellationToken)
    {
        var terms = new List<string>();
        schema.AnalyzerOf(request.Field).Analyze(request.Query, terms);
        var scorer = new Bm25Scorer(request.Field, request.Bm25, terms);
        if (!scorer.HasTerms)
        {
            return [];
        }

        SegmentSet set = PinSet();
        TopKMerger<SegmentRow> merger = t_merger ??= new TopKMerger<SegmentRow>();
        try
        {
            foreach (Segment segment in set.Segments)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (segment.Tier == SegmentTier.Cold)
                {
                    throw Tiers.ColdSegments.NotResident(segment.Id);
                }

                UnderStateLockIfMutable(set, segment, () => scorer.Count(segment));
            }

            scorer.Finish();
            TopKCollector collector = t_collector ??= new TopKCollector(request.Limit);
            float[] distances = ArrayPool<float>.Shared.Rent(request.Limit);
            uint[] offsets = ArrayPool<uint>.Shared.Rent(request.Limit);
            try
            {
                foreach (Segment segment in set.Segments)
                {
                    collector.Reset(request.Limit);
                    UnderStateLockIfMutable(set, segment, () => scorer.Score(segment, request.Filter, collector, cancellationToken));
                    int n = collector.DrainSorted(distances, offsets);
                    merger.BeginPart();
                    for (int i = 0; i < n; i++)
                    {
                        merger.Add(distances[i], segment.IdAt(offsets[i]), new SegmentRow(segment, offsets[i]));
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(distances);
                ArrayPool<uint>.Shared.Return(offsets);
            }

            return Materialise(set, merger.Best(request.Limit), metric: null, request.WithPayload, request.WithVector);
        }
        finally
        {
            merger.Clear();
            set.Unpin();
        }
    }

    private PayloadIndexSchema ValidateTextSearch(TextSearchRequest? request)
    {
        if (request is null)
        {
            ThrowHelper.ThrowArgument("request", "request is null.");
        }

        PayloadIndexSchema schema = Options.IndexSchema;
        if (request.Field is null || !schema.Types.TryGetValue(request.Field, out PayloadIndexType type) || type != PayloadIndexType.Text)
        {
            ThrowHelper.ThrowArgument("field", $"Field '{request.Field}' of collection '{Name}' has no text index: declare it PayloadIndexType.Text to search it.");
        }

        if (request.Query is null || request.Query.Length > Filters.TextCondition.MaxTextLength)
        {
            ThrowHelper.ThrowArgument("query", $"The query text must be given and at most {Filters.TextCondition.MaxTextLength:N0} characters.");
        }

        if (request.Limit is < 1 or > MaxLimit)
        {
            ThrowHelper.ThrowArgument("limit", $"Search limit must be 1 to {MaxLimit}; got {request.Limit}.");
        }

        if (request.Bm25 is null || !double.IsFinite(request.Bm25.K1) || request.Bm25.K1 is < 0 or > 10 || !double.IsFinite(request.Bm25.B) || request.Bm25.B is < 0 or > 1)
        {
            ThrowHelper.ThrowArgument("bm25", "BM25 parameters must satisfy 0 <= k1 <= 10 and 0 <= b <= 1.");
        }

        request.Filter?.Validate();
        return schema;
    }

    /// <summary>Runs <paramref name="action"/> on a segment: under the state read lock when it is the mutable one.</summary>
    private void UnderStateLockIfMutable(SegmentSet set, Segment segment, Action action)
    {
        if (segment != set.Mutable)
        {
            action();
            return;
        }

        _lock.EnterReadLock();
        try
        {
            action();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }
}
