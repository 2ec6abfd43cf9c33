namespace VectorEngine.Segments;

/// <summary>
/// Where each live point of a collection is: its segment and row. One entry per live id; an upsert moves it to the
/// mutable segment, a merge to the merged one, a delete removes it. Read and written under the collection's state lock.
/// </summary>
internal sealed class IdTracker
{
    private readonly Dictionary<PointId, PointLocation> _locations = new();

    /// <summary>Live points.</summary>
    public int Count => _locations.Count;

    /// <summary>Finds a live point (the shape of <see cref="Filters.Planning.FilterPlanner.LocateId"/>).</summary>
    public bool TryGet(PointId id, out PointLocation location) => _locations.TryGetValue(id, out location);

    /// <summary>Records where <paramref name="id"/> lives now.</summary>
    public void Set(PointId id, PointLocation location) => _locations[id] = location;

    /// <summary>Forgets a deleted point; false when it was not live.</summary>
    public bool Remove(PointId id, out PointLocation location) => _locations.Remove(id, out location);

    /// <summary>Forgets every point (before rebuilding from the segments at recovery).</summary>
    public void Clear() => _locations.Clear();
}
