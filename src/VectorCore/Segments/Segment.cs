using VectorEngine.Indexing;
using VectorEngine.PayloadIndexes;

namespace VectorEngine.Segments;

/// <summary>
/// A set of points under dense uint32 offsets: ids, vectors, payloads, tombstones, payload indexes and the vector
/// index. The mutable segment appends (an update is an append plus a tombstone); a sealed one is immutable except
/// for its tombstones. All access happens under the owning collection's lock.
/// </summary>
internal sealed class Segment : IDisposable
{
    private readonly List<PointId> _ids;
    private readonly List<Payload> _payloads;
    private readonly Dictionary<string, PayloadFieldIndex> _payloadIndexes = new(StringComparer.Ordinal);

    public Segment(int id, IVectorStore store, bool isSealed, List<PointId> ids, List<Payload> payloads, Bitset deleted,
        IReadOnlyDictionary<string, PayloadIndexType> payloadSchema)
    {
        Id = id;
        Store = store;
        IsSealed = isSealed;
        _ids = ids;
        _payloads = payloads;
        Deleted = deleted;
        DeletedCount = deleted.PopCount;
        foreach (KeyValuePair<string, PayloadIndexType> field in payloadSchema)
        {
            _payloadIndexes[field.Key] = PayloadFieldIndex.Create(field.Key, field.Value);
        }

        for (int i = 0; i < payloads.Count; i++)
        {
            IndexPayload((uint)i, payloads[i]);
        }

        Index = new FlatIndex(store);
    }

    public int Id { get; }

    public IVectorStore Store { get; }

    public bool IsSealed { get; }

    public IVectorIndex Index { get; set; }

    public Bitset Deleted { get; }

    public int DeletedCount { get; private set; }

    /// <summary>Tombstones changed since they were last written to <c>deleted.bin</c>.</summary>
    public bool TombstonesDirty { get; set; }

    public int Count => _ids.Count;

    public int LiveCount => _ids.Count - DeletedCount;

    public IReadOnlyDictionary<string, PayloadFieldIndex> PayloadIndexes => _payloadIndexes;

    public static Segment CreateMutable(int id, int dimension, DistanceMetric metric, IReadOnlyDictionary<string, PayloadIndexType> schema) =>
        new(id, new GrowableVectorStore(dimension, metric), isSealed: false, [], [], new Bitset(), schema);

    public PointId IdAt(uint offset) => _ids[(int)offset];

    public Payload PayloadAt(uint offset) => _payloads[(int)offset];

    public bool IsLive(uint offset) => !Deleted.Get(offset);

    public uint Append(PointId id, ReadOnlySpan<float> vector, Payload payload)
    {
        if (IsSealed || Store is not GrowableVectorStore store)
        {
            throw new InvalidOperationException($"Segment {Id} is sealed.");
        }

        uint offset = store.Append(vector);
        _ids.Add(id);
        _payloads.Add(payload);
        IndexPayload(offset, payload);
        Index.Add(offset);
        return offset;
    }

    /// <summary>Tombstones an offset; returns false when it already was.</summary>
    public bool Delete(uint offset)
    {
        if (!Deleted.Set(offset))
        {
            return false;
        }

        DeletedCount++;
        TombstonesDirty = true;
        return true;
    }

    public long MemoryBytes()
    {
        long vectorBytes = Store is GrowableVectorStore g ? g.Bytes : 0;
        return vectorBytes + Index.MemoryBytes + ((long)Count * 48);
    }

    public void Dispose()
    {
        Index.Dispose();
        (Store as IDisposable)?.Dispose();
    }

    private void IndexPayload(uint offset, Payload payload)
    {
        if (_payloadIndexes.Count == 0)
        {
            return;
        }

        foreach (KeyValuePair<string, PayloadFieldIndex> field in _payloadIndexes)
        {
            if (payload.TryGetValue(field.Key, out PayloadValue value))
            {
                field.Value.Add(offset, value);
            }
        }
    }
}
