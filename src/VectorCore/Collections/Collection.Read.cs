using VectorEngine.Diagnostics;
using VectorEngine.Filters;
using VectorEngine.Searching;
using VectorEngine.Segments;

namespace VectorEngine;

/// <summary>Get, count and scroll.</summary>
public sealed partial class Collection
{
    /// <summary>Fetches points by id, in the order asked; missing ids are skipped.</summary>
    /// <param name="ids">The ids.</param>
    /// <param name="withPayload">Attach payloads.</param>
    /// <param name="withVector">Attach vectors.</param>
    public IReadOnlyList<PointRecord> Get(IEnumerable<PointId> ids, bool withPayload = true, bool withVector = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        List<PointId> list = ids.ToList();
        if (list.Any(id => id.IsDefault))
        {
            ThrowHelper.ThrowArgument("ids", "A point id is empty (default).");
        }

        return WithResidentSegments(() => GetResident(list, withPayload, withVector));
    }

    private List<PointRecord> GetResident(List<PointId> list, bool withPayload, bool withVector)
    {
        var result = new List<PointRecord>(list.Count);
        EnterRead();
        try
        {
            foreach (PointId id in list)
            {
                if (_ids.TryGet(id, out PointLocation location))
                {
                    result.Add(Record(SegmentOf(location), location.Offset, withPayload, withVector));
                }
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }

        return result;
    }

    /// <summary>Counts live points, optionally only those that pass <paramref name="filter"/>.</summary>
    /// <param name="filter">The filter, or null for all.</param>
    public long Count(Filter? filter = null)
    {
        filter?.Validate();
        if (filter is null)
        {
            EnterRead();
            try
            {
                return _ids.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }

        FetchAllCold();
        return WithResidentSegments(() => CountResident(filter));
    }

    private long CountResident(Filter filter)
    {
        EnterRead();
        try
        {

            long n = 0;
            foreach (Segment segment in _set!.Segments)
            {
                n += MatchingOffsets(segment, filter).Count;
            }

            return n;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>One page of points in id order (numbers, then UUIDs, then strings), optionally filtered.</summary>
    /// <param name="request">The page request.</param>
    public ScrollPage Scroll(ScrollRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Limit is < 1 or > MaxLimit)
        {
            ThrowHelper.ThrowArgument("limit", $"Scroll limit must be 1 to {MaxLimit}; got {request.Limit}.");
        }

        if (request.Offset is { IsDefault: true })
        {
            ThrowHelper.ThrowArgument("offset", "Scroll offset is an empty (default) id.");
        }

        request.Filter?.Validate();
        FetchAllCold();
        return WithResidentSegments(() => ScrollResident(request));
    }

    private ScrollPage ScrollResident(ScrollRequest request)
    {
        EnterRead();
        try
        {
            // The page is the Limit+1 smallest ids at or after the offset: kept in a bounded max-heap while scanning, so a
            // page costs O(n log k) time and O(k) memory rather than a list and sort of every point.
            int keep = request.Limit + 1;
            var heap = new PriorityQueue<PointLocation, PointId>(keep + 1, DescendingIds);
            foreach (Segment segment in _set!.Segments)
            {
                if (request.Filter is null)
                {
                    for (uint offset = 0; offset < segment.Count; offset++)
                    {
                        if (segment.IsLive(offset))
                        {
                            Consider(segment, offset);
                        }
                    }
                }
                else
                {
                    foreach (uint offset in MatchingOffsets(segment, request.Filter))
                    {
                        Consider(segment, offset);
                    }
                }
            }

            var page = new PointLocation[heap.Count];
            for (int i = page.Length - 1; i >= 0; i--)
            {
                page[i] = heap.Dequeue();
            }

            void Consider(Segment segment, uint offset)
            {
                PointId id = segment.IdAt(offset);
                if (request.Offset is { } from && id.CompareTo(from) < 0)
                {
                    return;
                }

                if (heap.Count < keep)
                {
                    heap.Enqueue(new PointLocation(segment.Id, offset), id);
                }
                else if (heap.TryPeek(out _, out PointId largest) && id.CompareTo(largest) < 0)
                {
                    heap.DequeueEnqueue(new PointLocation(segment.Id, offset), id);
                }
            }

            var points = new List<PointRecord>(Math.Min(page.Length, request.Limit));
            for (int i = 0; i < page.Length && i < request.Limit; i++)
            {
                points.Add(Record(SegmentOf(page[i]), page[i].Offset, request.WithPayload, request.WithVector));
            }

            PointId? next = page.Length > request.Limit ? SegmentOf(page[^1]).IdAt(page[^1].Offset) : (PointId?)null;
            return new ScrollPage(points, next);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private static readonly Comparer<PointId> DescendingIds = Comparer<PointId>.Create((a, b) => b.CompareTo(a));

    /// <summary>Live offsets in <paramref name="segment"/> that pass the filter, ascending (under the state lock).</summary>
    private List<uint> MatchingOffsets(Segment segment, Filter filter) => SearchPlanner.MatchingOffsets(segment, filter, _locateUnlocked);

    private List<PointId> MatchingIds(Filter filter)
    {
        var ids = new List<PointId>();
        foreach (Segment segment in _set!.Segments)
        {
            foreach (uint offset in MatchingOffsets(segment, filter))
            {
                ids.Add(segment.IdAt(offset));
            }
        }

        return ids;
    }

    private static PointRecord Record(Segment segment, uint offset, bool withPayload, bool withVector) =>
        new(segment.IdAt(offset),
            withPayload ? segment.PayloadAt(offset).Clone() : null,
            withVector ? segment.Store.GetVector(offset).ToArray() : null);
}
