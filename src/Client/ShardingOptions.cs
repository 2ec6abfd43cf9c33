namespace VectorEngine.Client;

/// <summary>How a cluster splits and copies a new collection.</summary>
/// <param name="ShardNumber">Shards, 1 to 1,024; null for one per live node.</param>
/// <param name="ShardKey">
/// The payload field (keyword or integer) whose value picks a point's shard, e.g. a tenant id: one tenant's points then
/// sit on one shard, and a search that matches it reaches one node. Null to spread points by id.
/// </param>
/// <param name="ReplicationFactor">Copies of each shard on distinct nodes; null for 2 when two or more nodes are live, else 1.</param>
/// <param name="WriteConsistency">Copies (the primary included) that must hold a write before it is acknowledged; null for a majority.</param>
public sealed record ShardingOptions(int? ShardNumber = null, string? ShardKey = null, int? ReplicationFactor = null, int? WriteConsistency = null);
