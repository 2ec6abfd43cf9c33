namespace VectorEngine.Bench.Planning;

/// <summary>One way to deploy: an index configuration at a shard count, with what it is predicted to cost and deliver.</summary>
/// <param name="Model">The index configuration's cost model.</param>
/// <param name="KnobValue">The search knob (ef / nprobe) that reaches the target recall on a shard; 0 for an exact index.</param>
/// <param name="Shards">Shards the collection is split into.</param>
/// <param name="Replicas">Copies of every shard.</param>
/// <param name="Nodes">Nodes that hold them.</param>
/// <param name="PointsPerShard">Vectors per shard.</param>
/// <param name="Recall">Predicted recall@k of a shard's search (and so of the merged answer).</param>
/// <param name="P95Ms">Predicted p95 latency at the target load, milliseconds.</param>
/// <param name="CapacityQps">Queries per second the nodes serve at the utilization limit.</param>
/// <param name="RamPerNodeBytes">Memory a node needs: the engine process that holds its index replicas (<see cref="EngineProcess"/>), over the share of memory that process may fill.</param>
/// <param name="DiskPerNodeBytes">Disk a node needs for the replicas it holds, with room for a merge to rewrite a shard.</param>
/// <param name="LimitedBy">What set the node count: "cpu", "memory", "disk" or "replicas".</param>
/// <param name="Segments">Sealed segments a shard holds, each searched in turn (1: one index per shard).</param>
internal sealed record DeploymentPlan(
    CostModel Model, int KnobValue, int Shards, int Replicas, int Nodes, long PointsPerShard, double Recall, double P95Ms, double CapacityQps,
    double RamPerNodeBytes, double DiskPerNodeBytes, string LimitedBy, int Segments = 1)
{
    /// <summary>Vectors per segment: the index size the knob, recall and time per segment are predicted at.</summary>
    public long PointsPerSegment => (PointsPerShard + Segments - 1) / Segments;

    /// <summary>Float rows a query reads to rescore (product-quantized indexes with a measured disk; else 0).</summary>
    public double RescoreRowsPerQuery { get; init; }

    /// <summary>The share of those rows a node's page cache holds (1 when it holds them all, or none are read).</summary>
    public double RescoreCachedShare { get; init; } = 1;

    /// <summary>Of a shard's search time, milliseconds spent reading rescoring rows.</summary>
    public double RescoreMs { get; init; }
}
