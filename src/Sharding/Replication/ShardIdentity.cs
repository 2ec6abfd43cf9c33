namespace VectorEngine.Sharding.Replication;

/// <summary>One shard of one incarnation of a cluster collection.</summary>
/// <param name="Collection">The cluster collection's name.</param>
/// <param name="Incarnation">Which creation of the name.</param>
/// <param name="Shard">The shard number.</param>
public readonly record struct ShardIdentity(string Collection, long Incarnation, int Shard)
{
    /// <summary>On the wire.</summary>
    public Api.Cluster.V1.ShardRef ToWire() => new() { CollectionName = Collection, Incarnation = (ulong)Incarnation, Shard = (uint)Shard };

    /// <summary>From the wire.</summary>
    public static ShardIdentity FromWire(Api.Cluster.V1.ShardRef wire)
    {
        ArgumentNullException.ThrowIfNull(wire);
        return new(wire.CollectionName, (long)wire.Incarnation, (int)wire.Shard);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Collection}/{Incarnation}/s{Shard}";
}
