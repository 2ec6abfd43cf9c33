namespace VectorEngine.Bench.Planning;

/// <summary>
/// Sizes a deployment from calibrated cost models: for every index configuration and shard count, the search knob that
/// reaches the recall target on one shard, the latency that gives, and the nodes the memory, disk, load and replica
/// count need; then the cheapest plan (fewest nodes, then least memory) that meets the latency target.
/// </summary>
/// <remarks>
/// A query goes to one replica of every shard and the answers are merged: each shard's top-k holds the true neighbours
/// that live on it with the shard's recall, so the merged recall is the shard recall, and the work per query is the sum
/// over shards while its latency is that of one shard plus the network hops. A shard beyond the segment cap is several
/// sealed segments, each its own index searched in turn: the knob, recall and scored vectors are those of a segment, the
/// time times the segments (the tiers run's 10M points in 58 segments took 58 segment searches per query, not one of
/// 10M), each priced at the shard's working set.
/// </remarks>
internal static class DeploymentPlanner
{
    private const int MaxShards = 4096;

    /// <summary>The best plan per index configuration (those that can meet the targets at all), cheapest first.</summary>
    public static IReadOnlyList<DeploymentPlan> Plan(PlanRequest request, IEnumerable<CostModel> models)
    {
        Validate(request);
        var best = new List<DeploymentPlan>();
        foreach (CostModel model in models)
        {
            DeploymentPlan? chosen = null;
            for (int shards = 1; shards <= MaxShards; shards *= 2)
            {
                if (For(request, model, shards) is { } plan && (chosen is null || Cheaper(plan, chosen)))
                {
                    chosen = plan;
                }
            }

            if (chosen is not null)
            {
                best.Add(chosen);
            }
        }

        best.Sort((a, b) => Cheaper(a, b) ? -1 : Cheaper(b, a) ? 1 : 0);
        return best;
    }

    /// <summary>The plan for one configuration at one shard count, or null when it cannot meet the targets.</summary>
    public static DeploymentPlan? For(PlanRequest request, CostModel model, int shards)
    {
        long perShard = (request.Vectors + shards - 1) / shards;
        int segments = (int)Math.Min(int.MaxValue, (perShard + request.SegmentCap - 1) / request.SegmentCap);
        long perSegment = (perShard + segments - 1) / segments;
        int? chosen = model.Knob.Length == 0 ? model.KnobFor(perSegment, request.TargetRecall, request.K)
            : request.Knob ?? model.KnobFor(perSegment, request.TargetRecall, request.K);
        if (chosen is not { } knob)
        {
            return null;
        }

        // What fits a node is the engine process that holds the copies, not their index bytes alone; one that reads
        // rows through the page cache needs more of the node left to it (1M warm points ran up to 74% slower than
        // planned under 640-896 MiB).
        bool reads = request.Disk is not null && RescoreReads.Applies(model);
        double ramFraction = reads ? Math.Min(request.RamFraction, request.ReadsRamFraction) : request.RamFraction;
        double shardResident = segments * model.IndexBytes(perSegment, request.Dimension);
        double nodeRam = request.NodeRamBytes;
        int replicasPerNodeByRam = EngineProcess.CopiesThatFit(nodeRam, ramFraction, shardResident);
        if (replicasPerNodeByRam == 0)
        {
            return null;
        }

        double shardDisk = 2 * segments * model.DiskBytes(perSegment, request.Dimension);

        // A query searches every segment of the shard in turn, so all of them pass through the caches between one
        // search of a segment and the next: the costs that grow as an index outgrows the caches are read at the shard's
        // points, the vectors scored at a segment's.
        double searchSeconds = segments * model.SecondsPerQuery(perSegment, knob, request.Dimension, cachedPoints: perShard);
        int replicasPerNodeByDisk = (int)Math.Min(int.MaxValue, request.NodeDiskBytes / Math.Max(shardDisk, 1));
        if (replicasPerNodeByDisk == 0)
        {
            return null;
        }

        // Rescoring reads depend on the page cache a node has per copy, which depends on the node count, which depends
        // on the time: start from every row on disk and price again at the node count that gives, until it settles.
        double cachedShare = reads ? 0 : 1;
        double seconds;
        int replicas, nodes, nodesForRam, nodesForDisk, nodesForCpu;
        double coreSeconds;
        for (int pass = 0; ; pass++)
        {
            seconds = searchSeconds + (reads ? RescoreReads.Seconds(request.Disk!, segments, request.K, cachedShare) : 0);
            replicas = Math.Max(request.MinReplicas, 1);
            while (true)
            {
                // Every query costs one search on every shard; a node's cores run them at the measured per-thread efficiency.
                coreSeconds = request.Qps * shards * seconds / model.ThreadEfficiency;
                nodesForCpu = (int)Math.Ceiling(coreSeconds / request.CpuUtilization / request.NodeCores);
                nodesForRam = (int)Math.Ceiling((double)shards * replicas / replicasPerNodeByRam);
                nodesForDisk = (int)Math.Ceiling((double)shards * replicas / replicasPerNodeByDisk);
                nodes = Math.Max(Math.Max(nodesForCpu, replicas), Math.Max(nodesForRam, nodesForDisk));

                // A node serves load only for the shards it holds: with more nodes than shard copies, add replicas until
                // every node holds one.
                if ((long)shards * replicas >= nodes)
                {
                    break;
                }

                replicas = (int)Math.Ceiling((double)nodes / shards);
            }

            if (!reads)
            {
                break;
            }

            double copies = Math.Ceiling((double)shards * replicas / nodes);
            double share = RescoreReads.CachedShare(nodeRam, EngineProcess.Bytes(copies * shardResident), copies * RescoreReads.FloatBytes(perShard, request.Dimension));
            if (Math.Abs(share - cachedShare) < 1e-6 || pass == 20)
            {
                break;
            }

            cachedShare = share;
        }

        // Latency at the target load: a shard's p95 search, the p95 wait for a core on its node, and the hops (client to
        // node, and coordinator to shards when there are several).
        double load = coreSeconds / ((double)nodes * request.NodeCores);
        int hops = shards == 1 ? 1 : 2;
        double p95Ms = ((seconds * model.TailRatio) + QueueingDelay.P95WaitSeconds(request.NodeCores, load, seconds)) * 1000 + (hops * request.NetworkMs);
        if (p95Ms > request.P95Ms)
        {
            return null;
        }

        string limitedBy = nodes == nodesForCpu ? "cpu" : nodes == nodesForRam ? "memory" : nodes == nodesForDisk ? "disk" : "replicas";
        double copiesPerNode = Math.Ceiling((double)shards * replicas / nodes);
        double capacity = nodes * request.NodeCores * request.CpuUtilization * model.ThreadEfficiency / (shards * seconds);
        return new DeploymentPlan(model, knob, shards, replicas, nodes, perShard, model.Recall(perSegment, knob), p95Ms, capacity,
            EngineProcess.Bytes(copiesPerNode * shardResident) / ramFraction, copiesPerNode * shardDisk, limitedBy, segments)
        {
            RescoreRowsPerQuery = reads ? RescoreReads.RowsPerQuery(segments, request.K) : 0,
            RescoreCachedShare = cachedShare,
            RescoreMs = (seconds - searchSeconds) * 1000,
        };
    }

    /// <summary>Fewer nodes; then less memory per node (beyond 5%); then fewer shards (less fan-out per query).</summary>
    private static bool Cheaper(DeploymentPlan a, DeploymentPlan b) =>
        a.Nodes != b.Nodes ? a.Nodes < b.Nodes
        : Math.Abs(a.RamPerNodeBytes - b.RamPerNodeBytes) > 0.05 * b.RamPerNodeBytes ? a.RamPerNodeBytes < b.RamPerNodeBytes
        : a.Shards != b.Shards ? a.Shards < b.Shards
        : a.P95Ms < b.P95Ms;

    private static void Validate(PlanRequest request)
    {
        static void Require(bool ok, string name, string message)
        {
            if (!ok)
            {
                throw new ArgumentOutOfRangeException(name, message);
            }
        }

        Require(request.Vectors > 0, nameof(request.Vectors), "--vectors must be positive.");
        Require(request.Dimension > 0, nameof(request.Dimension), "--dim must be positive.");
        Require(request.TargetRecall is > 0 and < 1, nameof(request.TargetRecall), "--target-recall takes a fraction in (0, 1).");
        Require(request.P95Ms > 0, nameof(request.P95Ms), "--p95-ms must be positive.");
        Require(request.Qps > 0, nameof(request.Qps), "--qps must be positive.");
        Require(request.K > 0, nameof(request.K), "--k must be positive.");
        Require(request.SegmentPoints is null or > 0, nameof(request.SegmentPoints), "--segment-points must be positive.");
        Require(request.Knob is null or > 0, nameof(request.Knob), "--knob must be positive.");
        Require(request.NodeCores > 0 && request.NodeRamBytes > 0 && request.NodeDiskBytes > 0, "node", "Node cores, memory and disk must be positive.");
        Require(request.RamFraction is > 0 and <= 1 && request.ReadsRamFraction is > 0 and <= 1 && request.CpuUtilization is > 0 and < 1, "fractions",
            "--ram-fraction and --reads-ram-fraction take (0, 1], --cpu-utilization (0, 1).");
    }
}
