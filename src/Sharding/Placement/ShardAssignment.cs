namespace VectorEngine.Sharding.Placement;

/// <summary>One shard and the nodes that hold it.</summary>
/// <param name="ShardId">The shard, 0 to the collection's shard count − 1.</param>
/// <param name="Nodes">Node ids holding it; the first is the primary (replicas follow, with cluster replication).</param>
public sealed record ShardAssignment(int ShardId, IReadOnlyList<string> Nodes)
{
    /// <summary>The node that takes the shard's writes.</summary>
    public string Primary => Nodes[0];
}
