namespace VectorEngine.Bench.Planning;

/// <summary>What a deployment must hold and serve, and the nodes it may use.</summary>
internal sealed record PlanRequest
{
    /// <summary>Vectors in the collection.</summary>
    public required long Vectors { get; init; }

    /// <summary>Their dimension.</summary>
    public required int Dimension { get; init; }

    /// <summary>Recall@k every answer must reach on average.</summary>
    public required double TargetRecall { get; init; }

    /// <summary>Neighbours per query.</summary>
    public int K { get; init; } = 10;

    /// <summary>The 95th percentile latency a query may take, in milliseconds, end to end at the target load.</summary>
    public required double P95Ms { get; init; }

    /// <summary>Queries per second the deployment must sustain.</summary>
    public required double Qps { get; init; }

    /// <summary>Copies of every shard, at least (2: one node can fail and every shard is still served).</summary>
    public int MinReplicas { get; init; } = 2;

    /// <summary>Cores per node.</summary>
    public int NodeCores { get; init; } = 16;

    /// <summary>Memory per node, bytes.</summary>
    public long NodeRamBytes { get; init; } = 64L << 30;

    /// <summary>Disk per node, bytes.</summary>
    public long NodeDiskBytes { get; init; } = 1L << 40;

    /// <summary>Fraction of a node's memory the indexes may fill (the rest: payloads, the mutable segment, the OS, merges).</summary>
    public double RamFraction { get; init; } = 0.7;

    /// <summary>Fraction of the cores the target load may keep busy (headroom for bursts, merges and a failed node's share).</summary>
    public double CpuUtilization { get; init; } = 0.5;

    /// <summary>Latency one network hop adds (client to node, coordinator to shard), milliseconds.</summary>
    public double NetworkMs { get; init; } = 1.0;
}
