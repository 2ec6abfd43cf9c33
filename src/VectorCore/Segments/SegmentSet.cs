using System.Diagnostics;

namespace VectorEngine.Segments;

/// <summary>
/// One published version of a collection's segments: immutable, swapped whole. A search pins the version it starts
/// with and reads it without a lock; sealing, merging and index building make a new version beside it and publish
/// that. A segment no published version holds any more is disposed when the last search pinning an older version
/// unpins it (RCU with reference counts, as RocksDB's SuperVersion and Lucene's searcher leases do).
/// </summary>
internal sealed class SegmentSet
{
    private readonly Segment[] _segments;

    // The collection's reference (dropped when a newer version replaces this one) plus one per search in flight.
    private int _pins = 1;

    private SegmentSet(Segment[] segments, Segment mutable)
    {
        Array.Sort(segments, static (a, b) => a.Id.CompareTo(b.Id));
        _segments = segments;
        Mutable = mutable;
        Debug.Assert(Array.IndexOf(segments, mutable) >= 0, "the mutable segment is one of the set's segments");
    }

    /// <summary>Every segment, ascending id (so oldest first): sealed, being sealed, and the mutable one.</summary>
    public ReadOnlySpan<Segment> Segments => _segments;

    /// <summary>The segment that takes appends; it is read only under the collection's state lock.</summary>
    public Segment Mutable { get; }

    /// <summary>Sealed segments whose files the manifest names (not the mutable one, nor one still being sealed).</summary>
    public IEnumerable<Segment> Persisted => _segments.Where(s => s.IsSealed);

    /// <summary>The first version: takes over the creator's reference to each segment.</summary>
    public static SegmentSet Adopt(IEnumerable<Segment> segments, Segment mutable) => new([.. segments], mutable);

    /// <summary>
    /// The next version: this one's segments less <paramref name="removed"/>, plus <paramref name="added"/> (whose
    /// creator's reference it takes over), with <paramref name="mutable"/> as the mutable segment when given.
    /// </summary>
    public SegmentSet With(IEnumerable<Segment> added, IReadOnlyCollection<int> removed, Segment? mutable = null)
    {
        var kept = new List<Segment>(_segments.Length + 1);
        foreach (Segment segment in _segments)
        {
            if (!removed.Contains(segment.Id))
            {
                segment.Retain();
                kept.Add(segment);
            }
        }

        kept.AddRange(added);
        return new SegmentSet([.. kept], mutable ?? Mutable);
    }

    /// <summary>The segment with <paramref name="id"/>.</summary>
    public Segment this[int id] => TryGet(id, out Segment? segment) ? segment : throw new KeyNotFoundException($"Segment {id}");

    /// <summary>Finds a segment by id (binary search: ids ascend).</summary>
    public bool TryGet(int id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Segment? segment)
    {
        int lo = 0, hi = _segments.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int cmp = _segments[mid].Id.CompareTo(id);
            if (cmp == 0)
            {
                segment = _segments[mid];
                return true;
            }

            if (cmp < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        segment = null;
        return false;
    }

    /// <summary>Pins this version for a reader; false when it was already retired (the reader takes the newer one).</summary>
    public bool TryPin()
    {
        int pins = Volatile.Read(ref _pins);
        while (pins > 0)
        {
            int seen = Interlocked.CompareExchange(ref _pins, pins + 1, pins);
            if (seen == pins)
            {
                return true;
            }

            pins = seen;
        }

        return false;
    }

    /// <summary>Drops a reader's pin, or the collection's reference; the last one releases the segments.</summary>
    public void Unpin()
    {
        int pins = Interlocked.Decrement(ref _pins);
        Debug.Assert(pins >= 0, "unpinned more often than pinned");
        if (pins == 0)
        {
            foreach (Segment segment in _segments)
            {
                segment.Release();
            }
        }
    }

    /// <summary>Waits for readers still pinning this (retired) version: closing must not unmap what they read.</summary>
    public void WaitUntilReleased()
    {
        var spin = new SpinWait();
        while (Volatile.Read(ref _pins) > 0)
        {
            spin.SpinOnce(sleep1Threshold: 20);
        }
    }
}
