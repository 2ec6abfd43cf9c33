using System.Diagnostics;
using VectorEngine.Indexing;
using VectorEngine.PayloadIndexes;

namespace VectorEngine.Segments;

/// <summary>
/// A set of points under dense uint32 offsets: ids, vectors, payloads, tombstones, payload indexes and the vector
/// index. The mutable segment appends (an update is an append plus a tombstone) and is read under the collection's
/// state lock. A frozen segment (the mutable one being sealed) and a sealed one are immutable except for their
/// tombstones, which only the single writer sets: readers read them without a lock (a word read races harmlessly with
/// a word write). Reference counted: each published <see cref="SegmentSet"/> holding it keeps it open.
/// </summary>
internal sealed class Segment : IDisposable
{
    private readonly IPointIdStore _ids;
    private readonly IPayloadStore _payloads;

    // The rows a mutable segment appends to; null once sealed.
    private readonly InMemoryRows? _appendable;
    private readonly Dictionary<string, PayloadFieldIndex> _payloadIndexes;

    // The creator's reference until a segment set adopts it, then one per set that holds it.
    private int _references = 1;

    /// <summary>A segment over these rows; <paramref name="prebuiltText"/> holds text indexes already built for them (read
    /// from <c>text.idx</c>, or remapped by a merge), used as they are instead of analyzing every text again.</summary>
    /// <param name="id">The segment id.</param>
    /// <param name="store">The vectors.</param>
    /// <param name="isSealed">Whether the segment is sealed.</param>
    /// <param name="ids">The point ids by offset.</param>
    /// <param name="payloads">The payloads by offset.</param>
    /// <param name="deleted">The tombstones.</param>
    /// <param name="payloadSchema">The declared payload indexes.</param>
    /// <param name="prebuiltText">Text indexes already built for these rows, or null.</param>
    public Segment(int id, IVectorStore store, bool isSealed, List<PointId> ids, List<Payload> payloads, Bitset deleted,
        PayloadIndexSchema payloadSchema, IReadOnlyDictionary<string, TextFieldIndex>? prebuiltText = null)
    {
        Id = id;
        Store = store;
        IsSealed = isSealed;
        var rows = new InMemoryRows(ids, payloads);
        _ids = rows;
        _payloads = rows;
        _appendable = isSealed ? null : rows;
        Deleted = deleted;
        DeletedCount = deleted.PopCount;
        _payloadIndexes = new(StringComparer.Ordinal);
        var toFill = new List<PayloadFieldIndex>();
        foreach (KeyValuePair<string, PayloadIndexType> field in payloadSchema.Types)
        {
            if (prebuiltText?.GetValueOrDefault(field.Key) is { } prebuilt)
            {
                _payloadIndexes[field.Key] = prebuilt;
                continue;
            }

            PayloadFieldIndex index = payloadSchema.CreateIndex(field.Key, field.Value);
            _payloadIndexes[field.Key] = index;
            toFill.Add(index);
        }

        for (int i = 0; i < payloads.Count && toFill.Count > 0; i++)
        {
            foreach (PayloadFieldIndex index in toFill)
            {
                if (payloads[i].TryGetValue(index.Key, out PayloadValue value))
                {
                    index.Add((uint)i, value);
                }
            }
        }

        foreach (PayloadFieldIndex index in _payloadIndexes.Values)
        {
            if (index is TextFieldIndex text)
            {
                for (uint offset = 0; offset < ids.Count; offset++)
                {
                    if (deleted.Get(offset))
                    {
                        text.Forget(offset);
                    }
                }
            }
        }

        Index = new FlatIndex(store);
    }

    /// <summary>A sealed segment from its parts, in <paramref name="tier"/> (see <see cref="InTier"/> and <see cref="Cold"/>).</summary>
    private Segment(int id, SegmentTier tier, IVectorStore store, IVectorIndex index, IPointIdStore ids, IPayloadStore payloads,
        Dictionary<string, PayloadFieldIndex> payloadIndexes, Bitset deleted, bool tombstonesDirty)
    {
        Id = id;
        Store = store;
        IsSealed = true;
        Tier = tier;
        _ids = ids;
        _payloads = payloads;
        _payloadIndexes = payloadIndexes;
        Deleted = deleted;
        DeletedCount = deleted.PopCount;
        TombstonesDirty = tombstonesDirty;
        Index = index;
    }

    /// <summary>The sealed form of a frozen segment: its vectors now mapped from the written file, with the index built on
    /// them. Ids, payloads, payload indexes and the tombstone bitset are the frozen segment's own objects (no copy, no
    /// re-read of the files just written), so a delete that lands on either is seen by both.</summary>
    private Segment(Segment frozen, IVectorStore store, IVectorIndex index)
    {
        Id = frozen.Id;
        Store = store;
        IsSealed = true;
        _ids = frozen._ids;
        _payloads = frozen._payloads;
        _payloadIndexes = frozen._payloadIndexes;
        Deleted = frozen.Deleted;
        DeletedCount = Deleted.PopCount;
        Index = index;
    }

    public int Id { get; }

    public IVectorStore Store { get; }

    public bool IsSealed { get; }

    /// <summary>Where this object keeps the segment's data; a move replaces the object (see <see cref="InTier"/>).</summary>
    public SegmentTier Tier { get; }

    /// <summary>No more appends: the mutable segment once a seal took it over, searched exactly until its sealed form replaces it.</summary>
    public bool IsFrozen { get; private set; }

    /// <summary>Runs once the last reference is released (a merged-away segment's folder is removed then, not under a reader).</summary>
    public Action? WhenReleased { get; set; }

    public IVectorIndex Index { get; set; }

    public Bitset Deleted { get; }

    public int DeletedCount { get; private set; }

    /// <summary>Tombstones changed since they were last written to <c>deleted.bin</c>.</summary>
    public bool TombstonesDirty { get; set; }

    public int Count => _ids.Count;

    public int LiveCount => _ids.Count - DeletedCount;

    public IReadOnlyDictionary<string, PayloadFieldIndex> PayloadIndexes => _payloadIndexes;

    public static Segment CreateMutable(int id, int dimension, DistanceMetric metric, PayloadIndexSchema schema) =>
        new(id, new GrowableVectorStore(dimension, metric), isSealed: false, [], [], new Bitset(), schema);

    public PointId IdAt(uint offset) => _ids.IdAt(offset);

    public Payload PayloadAt(uint offset) => _payloads.PayloadAt(offset);

    public bool IsLive(uint offset) => !Deleted.Get(offset);

    /// <summary>The sealed form of this frozen segment; see the private constructor.</summary>
    public Segment ToSealed(IVectorStore store, IVectorIndex index)
    {
        Debug.Assert(IsFrozen && store.Count == Count, "only a frozen segment is sealed, into a store of the same rows");
        return new Segment(this, store, index);
    }

    /// <summary>
    /// This sealed segment's rows as another tier keeps them: ids, tombstones (the same bitset, so a delete that lands on
    /// either object is seen by both) and payload indexes shared with this object unless <paramref name="payloadIndexes"/>
    /// replaces them; vectors, index and payloads as the tier keeps them. The caller publishes it under the state lock,
    /// after <see cref="RecountDeleted"/>.
    /// </summary>
    public Segment InTier(SegmentTier tier, IVectorStore store, IVectorIndex index, IPayloadStore payloads,
        Dictionary<string, PayloadFieldIndex>? payloadIndexes = null)
    {
        Debug.Assert(IsSealed, "only sealed segments change tiers");

        // In-memory rows hold ids and payloads together: a tier that keeps payloads elsewhere keeps the ids alone, so
        // the payload objects are let go.
        IPointIdStore ids = _ids is InMemoryRows rows && !ReferenceEquals(payloads, rows) ? rows.IdsOnly() : _ids;
        return new Segment(Id, tier, store, index, ids, payloads, payloadIndexes ?? _payloadIndexes, Deleted, TombstonesDirty);
    }

    /// <summary>A cold segment: ids and tombstones only, until its archive is fetched.</summary>
    public static Segment Cold(int id, int dimension, DistanceMetric metric, List<PointId> ids, Bitset deleted, bool tombstonesDirty = false)
    {
        var rows = new Tiers.ColdRows(id, CompactIds.Of(ids));
        return new Segment(id, SegmentTier.Cold, new Tiers.ColdVectorStore(id, ids.Count, dimension, metric), new Tiers.ColdIndex(id), rows, rows,
            new(StringComparer.Ordinal), deleted, tombstonesDirty);
    }

    /// <summary>The payload indexes this object keeps (shared with the next tier's object when a move keeps them).</summary>
    public Dictionary<string, PayloadFieldIndex> PayloadIndexMap => _payloadIndexes;

    /// <summary>The id store (shared by every tier's object for this segment).</summary>
    public IPointIdStore Ids => _ids;

    /// <summary>Ends appends (under the state write lock): from now on readers need no lock to read this segment.</summary>
    public void Freeze()
    {
        Debug.Assert(!IsSealed, "a sealed segment is already immutable");

        // Size the tombstones for every row now, so a later delete sets a bit in place instead of growing the array
        // under a reader.
        Deleted.EnsureCapacity(Count);
        IsFrozen = true;
    }

    public uint Append(PointId id, ReadOnlySpan<float> vector, Payload payload)
    {
        if (IsSealed || IsFrozen || Store is not GrowableVectorStore store || _appendable is null)
        {
            throw new InvalidOperationException($"Segment {Id} is sealed.");
        }

        uint offset = store.Append(vector);
        _appendable.Append(id, payload);
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
        foreach (PayloadFieldIndex index in _payloadIndexes.Values)
        {
            (index as TextFieldIndex)?.Forget(offset);
        }

        return true;
    }

    public long MemoryBytes()
    {
        long vectorBytes = Store is GrowableVectorStore g ? g.Bytes : 0;
        return vectorBytes + Index.MemoryBytes + ((long)Count * 48);
    }

    /// <summary>Recounts the tombstones after deletes landed on the frozen segment whose bitset this one shares.</summary>
    public void RecountDeleted() => DeletedCount = Deleted.PopCount;

    /// <summary>Adds a reference (a segment set that holds this segment).</summary>
    public void Retain()
    {
        int references = Interlocked.Increment(ref _references);
        Debug.Assert(references > 1, "retained after release");
    }

    /// <summary>Drops a reference; the last one closes the vector store and index and runs <see cref="WhenReleased"/>.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0)
        {
            return;
        }

        Index.Dispose();
        (Store as IDisposable)?.Dispose();
        WhenReleased?.Invoke();
    }

    /// <summary>Drops the creator's reference: closes a segment no set adopted (a failed seal or merge).</summary>
    public void Dispose() => Release();

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
