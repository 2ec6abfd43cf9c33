namespace VectorEngine.Sharding.Placement;

/// <summary>
/// Where a collection's points live: its shard count, the optional shard-key payload field, each shard's nodes and
/// a version that every change raises. Routing is a pure function of it: a point goes to the shard that owns the hash
/// of its shard-key value (or of its id, without a shard key) on a ring of the collection's shards.
/// </summary>
public sealed class ShardMap
{
    /// <summary>Virtual nodes per shard on the key ring: each shard's share within a few percent of 1/S.</summary>
    private const int ShardVirtualNodes = 256;

    private readonly HashRing _ring;

    /// <summary>Creates a map.</summary>
    /// <param name="collection">The collection's name.</param>
    /// <param name="version">Raised by every change (etcd's mod revision of the stored map, or 1 for a new one).</param>
    /// <param name="shards">Every shard 0..S−1 once, in order, each with at least one node.</param>
    /// <param name="shardKey">The payload field whose value picks the shard (a tenant id), or null to shard by point id.</param>
    /// <exception cref="ArgumentException">Shards missing, out of order, without a node, or more than <see cref="ShardPlacement.MaxShards"/>.</exception>
    public ShardMap(string collection, long version, IReadOnlyList<ShardAssignment> shards, string? shardKey = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(collection);
        ArgumentNullException.ThrowIfNull(shards);
        if (shards.Count is < 1 or > ShardPlacement.MaxShards)
        {
            throw new ArgumentException($"A shard map holds 1 to {ShardPlacement.MaxShards} shards; got {shards.Count}.", nameof(shards));
        }

        for (int i = 0; i < shards.Count; i++)
        {
            if (shards[i].ShardId != i || shards[i].Nodes.Count == 0)
            {
                throw new ArgumentException($"Shard {i} is missing, out of order or has no node.", nameof(shards));
            }
        }

        if (shardKey is { Length: 0 })
        {
            throw new ArgumentException("A shard key names a payload field; use null to shard by point id.", nameof(shardKey));
        }

        Collection = collection;
        Version = version;
        Shards = shards;
        ShardKey = shardKey;
        _ring = KeyRing(shards.Count);
    }

    /// <summary>The collection's name.</summary>
    public string Collection { get; }

    /// <summary>Raised by every change of the map.</summary>
    public long Version { get; }

    /// <summary>Each shard's nodes, in shard order.</summary>
    public IReadOnlyList<ShardAssignment> Shards { get; }

    /// <summary>The payload field that picks a point's shard, or null when points are sharded by id.</summary>
    public string? ShardKey { get; }

    /// <summary>The shard that owns a key hash (<see cref="StableHash"/> of an id or a shard-key value).</summary>
    /// <param name="hash">The key's hash.</param>
    public int ShardOf(ulong hash) => ShardIndex(_ring.Owner(hash));

    /// <summary>The shard a point goes to: by its shard-key value when the map has a shard key, else by its id.</summary>
    /// <param name="id">The point's id.</param>
    /// <param name="payload">The point's payload (read only with a shard key).</param>
    /// <exception cref="MissingShardKeyException">The map has a shard key and the payload lacks it.</exception>
    /// <exception cref="ArgumentException">The shard-key value is neither a string nor an integer.</exception>
    public int ShardOf(PointId id, Payload? payload)
    {
        if (ShardKey is null)
        {
            return ShardOf(StableHash.Of(id));
        }

        if (payload is null || !payload.TryGetValue(ShardKey, out PayloadValue value) || value.IsNull)
        {
            throw new MissingShardKeyException(Collection, ShardKey, id);
        }

        return ShardOf(StableHash.Of(value));
    }

    /// <summary>
    /// The one shard a filter confines a read to: a top-level must-match of the shard key on a string or an integer.
    /// Null when the map has no shard key or the filter does not pin one (the read then goes to every shard).
    /// </summary>
    /// <param name="filter">The read's filter.</param>
    public int? PinnedShard(Filters.Filter? filter)
    {
        if (ShardKey is null || filter is null)
        {
            return null;
        }

        foreach (Filters.Condition condition in filter.Must)
        {
            if (condition is Filters.MatchCondition match && match.Key == ShardKey && match.Value.Kind is PayloadValueKind.String or PayloadValueKind.Integer)
            {
                return ShardOf(StableHash.Of(match.Value));
            }
        }

        return null;
    }

    /// <summary>The nodes that hold a shard (the first is the primary).</summary>
    /// <param name="shard">The shard.</param>
    public IReadOnlyList<string> NodesOf(int shard) => Shards[shard].Nodes;

    /// <summary>A copy with other assignments and a higher version.</summary>
    /// <param name="version">The new version.</param>
    /// <param name="shards">The new assignments, same shard count.</param>
    public ShardMap With(long version, IReadOnlyList<ShardAssignment> shards)
    {
        if (shards.Count != Shards.Count)
        {
            throw new ArgumentException("A shard map keeps its shard count.", nameof(shards));
        }

        return new ShardMap(Collection, version, shards, ShardKey);
    }

    private static int ShardIndex(string member) => int.Parse(member.AsSpan(6), System.Globalization.CultureInfo.InvariantCulture);

    // Rings depend only on the shard count: built once per count and shared by every map that has it.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, HashRing> Rings = new();

    private static HashRing KeyRing(int shardCount) => Rings.GetOrAdd(
        shardCount,
        static count => new HashRing(Enumerable.Range(0, count).Select(ShardName), ShardVirtualNodes));

    private static string ShardName(int shard) => "shard-" + shard.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
