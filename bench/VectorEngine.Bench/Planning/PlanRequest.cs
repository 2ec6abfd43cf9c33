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

    /// <summary>Fraction of a node's memory the engine process holding the indexes may fill (<see cref="EngineProcess"/>; the rest: payloads, the mutable segment, merges, the OS and the page cache).</summary>
    public double RamFraction { get; init; } = 0.7;

    /// <summary>
    /// Fraction of a node's memory the engine process may fill when its indexes rescore from float rows read through the
    /// page cache (product-quantized segments with a measured disk); the lower of this and <see cref="RamFraction"/>
    /// applies. Those reads share the page cache with the runtime's own mapped pages: 1M warm points (a 485 MiB process,
    /// one thread) ran over 20% slower than planned in 7 of 12 runs where the process took 54-76% of the node (-18% to
    /// +74%), and within ±20% in 9 of the 10 where it took 16-47% (-21% to +15%).
    /// </summary>
    public double ReadsRamFraction { get; init; } = 0.5;

    /// <summary>Fraction of the cores the target load may keep busy (headroom for bursts, merges and a failed node's share).</summary>
    public double CpuUtilization { get; init; } = 0.5;

    /// <summary>Latency one network hop adds (client to node, coordinator to shard), milliseconds.</summary>
    public double NetworkMs { get; init; } = 1.0;

    /// <summary>
    /// Most vectors a sealed segment holds, or null for the engine's default: the merge optimizer's cap,
    /// min(<see cref="VectorDatabaseOptions.MaxSegmentPoints"/>, <see cref="VectorDatabaseOptions.MaxSegmentBytes"/> / 4·dim).
    /// A shard larger than that is several segments, each an index of its own that every query searches.
    /// </summary>
    public long? SegmentPoints { get; init; }

    /// <summary>
    /// The search knob (ef / nprobe) to plan at, or null to take the smallest that reaches <see cref="TargetRecall"/>:
    /// with it the plan states the recall predicted there instead of meeting the target (a deployment already running at
    /// ef=256 asks what it costs and delivers at 10M).
    /// </summary>
    public int? Knob { get; init; }

    /// <summary>
    /// This machine's rescoring reads (<c>bench machine</c>), or null to price them as the calibration did (from memory):
    /// with it, product-quantized plans pay for the rows a node's page cache cannot hold.
    /// </summary>
    public Machine.DiskSample? Disk { get; init; }

    /// <summary>The segment cap that applies: <see cref="SegmentPoints"/> or the engine's default.</summary>
    public long SegmentCap
    {
        get
        {
            if (SegmentPoints is { } points)
            {
                return points;
            }

            var defaults = new VectorDatabaseOptions();
            return Math.Max(1, Math.Min(defaults.MaxSegmentPoints, defaults.MaxSegmentBytes / (4L * Math.Max(1, Dimension))));
        }
    }
}
