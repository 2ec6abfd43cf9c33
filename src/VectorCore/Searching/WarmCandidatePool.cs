using VectorEngine.Indexing;
using VectorEngine.Segments;

namespace VectorEngine.Searching;

/// <summary>
/// The code-distance candidates of one search's warm segments, held until every segment has been searched so that they
/// are rescored in one order over all segments (see <c>Collection.RescorePooledWarmCandidates</c>). Reused per thread:
/// <see cref="Clear"/> keeps the buffers.
/// </summary>
internal sealed class WarmCandidatePool
{
    private float[] _distances = new float[256];
    private uint[] _offsets = new uint[256];
    private Segment?[] _segments = new Segment?[256];
    private float[] _selectedDistances = new float[64];
    private uint[] _selected = new uint[64];

    /// <summary>Candidates held.</summary>
    public int Count { get; private set; }

    /// <summary>The most candidates one segment offered (its k · oversampling).</summary>
    public int PerSegment { get; private set; }

    /// <summary>Segments that offered candidates.</summary>
    public int Segments { get; private set; }

    /// <summary>The code distance of candidate <paramref name="i"/>.</summary>
    public float DistanceAt(int i) => _distances[i];

    /// <summary>The segment and row of candidate <paramref name="i"/>.</summary>
    public (Segment Segment, uint Offset) RowAt(int i) => (_segments[i]!, _offsets[i]);

    /// <summary>Takes a segment's candidates out of <paramref name="collector"/> (code distances).</summary>
    public void AddFrom(Segment segment, TopKCollector collector)
    {
        int n = collector.Count;
        Reserve(Count + n);
        collector.DrainSorted(_distances.AsSpan(Count, n), _offsets.AsSpan(Count, n));
        _segments.AsSpan(Count, n).Fill(segment);
        Count += n;
        PerSegment = Math.Max(PerSegment, n);
        Segments++;
    }

    /// <summary>
    /// The indexes of the <paramref name="limit"/> candidates nearest by code distance, nearest first; the span is the
    /// pool's own buffer, valid until the next call.
    /// </summary>
    public ReadOnlySpan<uint> SelectBest(int limit, TopKCollector selector)
    {
        selector.Reset(limit);
        for (int i = 0; i < Count; i++)
        {
            selector.Add(_distances[i], (uint)i);
        }

        if (_selected.Length < selector.Count)
        {
            _selected = new uint[selector.Count];
            _selectedDistances = new float[selector.Count];
        }

        int n = selector.DrainSorted(_selectedDistances, _selected);
        return _selected.AsSpan(0, n);
    }

    /// <summary>Empties the pool, dropping its segment references (an idle thread keeps no merged-away segment alive).</summary>
    public void Clear()
    {
        if (Count > 0)
        {
            Array.Clear(_segments, 0, Count);
        }

        Count = 0;
        PerSegment = 0;
        Segments = 0;
    }

    private void Reserve(int capacity)
    {
        if (capacity <= _distances.Length)
        {
            return;
        }

        int size = Math.Max(capacity, _distances.Length * 2);
        Array.Resize(ref _distances, size);
        Array.Resize(ref _offsets, size);
        Array.Resize(ref _segments, size);
    }
}
