namespace VectorEngine.Segments;

/// <summary>
/// Where each live point of a collection is: its segment and row. One entry per live id; an upsert moves it to the
/// mutable segment, a merge to the merged one, a delete removes it. Read and written under the collection's state lock.
/// </summary>
internal sealed class IdTracker
{
    // Numeric ids, the common case, keyed by their 8-byte number rather than the 40-byte PointId: 24 bytes less per
    // live point, 240 MB at ten million.
    private readonly Dictionary<ulong, PointLocation> _numbers = new();
    private readonly Dictionary<PointId, PointLocation> _others = new();

    /// <summary>Live points.</summary>
    public int Count => _numbers.Count + _others.Count;

    /// <summary>Finds a live point (the shape of <see cref="Filters.Planning.FilterPlanner.LocateId"/>).</summary>
    public bool TryGet(PointId id, out PointLocation location) =>
        id.Kind == PointIdKind.Number ? _numbers.TryGetValue(id.Number, out location) : _others.TryGetValue(id, out location);

    /// <summary>Records where <paramref name="id"/> lives now.</summary>
    public void Set(PointId id, PointLocation location)
    {
        if (id.Kind == PointIdKind.Number)
        {
            _numbers[id.Number] = location;
        }
        else
        {
            _others[id] = location;
        }
    }

    /// <summary>Forgets a deleted point; false when it was not live.</summary>
    public bool Remove(PointId id, out PointLocation location) =>
        id.Kind == PointIdKind.Number ? _numbers.Remove(id.Number, out location) : _others.Remove(id, out location);

    /// <summary>Makes room for <paramref name="points"/> numeric ids at once (recovery knows the count: no growth by doubling, no slack).</summary>
    public void Reserve(int points) => _numbers.EnsureCapacity(points);

    /// <summary>Forgets every point (before rebuilding from the segments at recovery).</summary>
    public void Clear()
    {
        _numbers.Clear();
        _others.Clear();
    }
}
