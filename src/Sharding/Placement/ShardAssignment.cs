namespace VectorEngine.Sharding.Placement;

/// <summary>One shard and the nodes that hold copies of it.</summary>
/// <param name="ShardId">The shard, 0 to the collection's shard count − 1.</param>
/// <param name="Nodes">Node ids holding a copy; the first is the primary, the replicas follow.</param>
public sealed record ShardAssignment(int ShardId, IReadOnlyList<string> Nodes)
{
    /// <summary>The node that orders the shard's writes and replicates them to the others.</summary>
    public string Primary => Nodes[0];

    /// <summary>
    /// The primary's term: raised by every promotion. Copies refuse replication and writes of an older epoch, so a
    /// deposed primary can never gather acknowledgements again.
    /// </summary>
    public long Epoch { get; init; } = 1;

    /// <summary>
    /// The etcd lease of the primary's process when it was promoted: a primary that restarted (a new lease) is no
    /// longer trusted as primary until the coordinator promotes a copy again. 0: not yet bound to a process.
    /// </summary>
    public long PrimaryLease { get; init; }

    /// <summary>
    /// Nodes receiving a copy that is being built (a move in progress): they get the log and a snapshot like replicas,
    /// but are not counted for commits, not asked for reads and not promotable until the move's flip makes them copies.
    /// </summary>
    public IReadOnlyList<string> Learners { get; init; } = [];

    /// <summary>The copies other than the primary.</summary>
    public IEnumerable<string> Replicas => Nodes.Skip(1);
}
