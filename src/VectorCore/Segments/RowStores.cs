namespace VectorEngine.Segments;

/// <summary>
/// A segment's point ids by row offset. Searches and filters read ids only through this, so a tier that keeps them
/// elsewhere (memory-mapped, or in FASTER's log) replaces the implementation, not the search.
/// </summary>
internal interface IPointIdStore
{
    /// <summary>Rows held.</summary>
    int Count { get; }

    /// <summary>The id of row <paramref name="offset"/>.</summary>
    PointId IdAt(uint offset);
}

/// <summary>A segment's payloads by row offset; the seam where a warm tier keeps payloads on disk.</summary>
internal interface IPayloadStore
{
    /// <summary>Rows held.</summary>
    int Count { get; }

    /// <summary>The payload of row <paramref name="offset"/> (shared: callers clone before handing it out).</summary>
    Payload PayloadAt(uint offset);
}

/// <summary>
/// Ids and payloads in managed memory, appended by the mutable segment and kept as they are when it is sealed. A row
/// once appended never changes, so a reader that saw <see cref="Count"/> reads rows below it safely while a writer
/// appends (a list that grows swaps in a copy that holds the same rows).
/// </summary>
internal sealed class InMemoryRows : IPointIdStore, IPayloadStore
{
    private readonly List<PointId> _ids;
    private readonly List<Payload> _payloads;

    public InMemoryRows(List<PointId> ids, List<Payload> payloads)
    {
        if (ids.Count != payloads.Count)
        {
            throw new ArgumentException("Ids and payloads must hold the same rows.", nameof(payloads));
        }

        _ids = ids;
        _payloads = payloads;
    }

    public int Count => _ids.Count;

    public PointId IdAt(uint offset) => _ids[(int)offset];

    public Payload PayloadAt(uint offset) => _payloads[(int)offset];

    /// <summary>The ids alone, compacted: what a warm or cold segment keeps (its payloads live elsewhere; the lists go).</summary>
    public IPointIdStore IdsOnly() => CompactIds.Of(_ids);

    /// <summary>Appends a row (the mutable segment, under the state write lock).</summary>
    public void Append(PointId id, Payload payload)
    {
        _payloads.Add(payload);
        _ids.Add(id);
    }
}
