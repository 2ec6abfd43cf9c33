using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Bench.Machine;
using VectorEngine.Bench.Planning;

namespace VectorEngine.Bench.Tests;

/// <summary>A node must hold the engine process around its index copies (heap overhead and runtime), not only their bytes.</summary>
public sealed class EngineProcessTests
{
    private const int Dim = 384;
    private const double Runtime = 180 << 20;

    private static CostModel Pq() => SyntheticCalibration.ProductQuantized(Dim);

    [Property(MaxTest = 300)]
    public Property The_copies_that_fit_are_the_most_whose_process_stays_inside_the_share_of_memory() =>
        Prop.ForAll(
            Gen.Choose(1, 4_096).ToArbitrary(), Gen.Choose(1, 100).ToArbitrary(), Gen.Choose(1, 1_000_000).ToArbitrary(),
            (ramMiB, percent, copyKiB) =>
            {
                double ram = ramMiB * 1048576.0, fraction = percent / 100.0, copy = copyKiB * 1024.0;
                int copies = EngineProcess.CopiesThatFit(ram, fraction, copy);
                Assert.True(copies >= 0);
                if (copies > 0)
                {
                    Assert.True(EngineProcess.Bytes(copies * copy) <= (ram * fraction) + 1e-3, $"{copies} copies overfill the node");
                }

                Assert.True(EngineProcess.Bytes((copies + 1) * copy) > ram * fraction, "one more copy would still have fit");
            });

    [Fact]
    public void The_process_is_the_heap_around_the_indexes_and_the_runtime()
    {
        Assert.Equal((1.3 * 236e6) + Runtime, EngineProcess.Bytes(236e6), 6);
        Assert.Equal(Runtime, EngineProcess.Bytes(0));

        // A 1 GiB copy is 1,331 MiB of process: 70% of 3 GiB less the runtime (1,970 MiB) holds one, all of it (2,892) two.
        Assert.Equal(1, EngineProcess.CopiesThatFit(3L << 30, 0.7, 1L << 30));
        Assert.Equal(2, EngineProcess.CopiesThatFit(3L << 30, 1, 1L << 30));
        Assert.Equal(0, EngineProcess.CopiesThatFit(100L << 20, 1, 1));
        Assert.Equal(int.MaxValue, EngineProcess.CopiesThatFit(1L << 30, 1, 0));
    }

    /// <summary>
    /// The 1M warm check (five 200k segments): the process needed 478-485 MiB, and under a 640 MiB cap a search ran at
    /// 54% of the planned speed while 1,280 MiB ran within 17% of it. The bare indexes (here 305 MB, 436 MB over the 70%
    /// share) fit 640 MiB, which is what the planner used to check; the process does not, so a plan needs two nodes.
    /// </summary>
    [Fact]
    public void A_node_too_small_for_the_engine_process_gets_no_copy_and_the_plan_spreads_over_more_nodes()
    {
        CostModel model = Pq();
        var request = new PlanRequest
        {
            Vectors = 1_000_000, Dimension = Dim, TargetRecall = 0.9, P95Ms = 100_000, Qps = 1, MinReplicas = 1, SegmentPoints = 200_000,
            NodeRamBytes = 640L << 20, NodeCores = 100,
        };
        double resident = 5 * model.IndexBytes(200_000, Dim);
        Assert.True(resident / request.RamFraction < request.NodeRamBytes, "the bare indexes fit");
        Assert.True(EngineProcess.Bytes(resident) > request.RamFraction * request.NodeRamBytes, "their process does not");

        Assert.Null(DeploymentPlanner.For(request, model, shards: 1));
        DeploymentPlan spread = DeploymentPlanner.Plan(request, [model])[0];
        Assert.True(spread.Shards >= 2 && spread.Nodes >= 2, $"{spread.Shards} shards on {spread.Nodes} nodes");
        Assert.True(spread.RamPerNodeBytes <= request.NodeRamBytes);
        Assert.Equal("memory", spread.LimitedBy);

        DeploymentPlan roomy = DeploymentPlanner.For(request with { NodeRamBytes = 1280L << 20 }, model, shards: 1)!;
        Assert.Equal(1, roomy.Nodes);
        Assert.Equal(EngineProcess.Bytes(resident) / request.RamFraction, roomy.RamPerNodeBytes, 1.0);
    }

    /// <summary>
    /// An index that rescores from rows read through the page cache leaves the page cache at least half the node by
    /// default (1M warm points ran over 20% slow in 7 of 12 runs where the process took 54-76% of it): here 585 MB of process fits a
    /// 1,024 MiB node at 70% but not at 50%, so a node that reads needs 1,280 MiB, or a stated fraction of 1.
    /// </summary>
    [Fact]
    public void A_node_that_reads_rows_through_its_page_cache_keeps_half_of_it_for_them()
    {
        CostModel model = Pq();
        var disk = new DiskSample(1536, 20, MissMicros: 12, HitMicros: 4);
        var request = new PlanRequest
        {
            Vectors = 1_000_000, Dimension = Dim, TargetRecall = 0.9, P95Ms = 100_000, Qps = 1, MinReplicas = 1, SegmentPoints = 200_000,
            NodeRamBytes = 1024L << 20, NodeCores = 100,
        };
        double process = EngineProcess.Bytes(5 * model.IndexBytes(200_000, Dim));
        Assert.InRange(process, 0.5 * request.NodeRamBytes, 0.7 * request.NodeRamBytes);

        Assert.Equal(1, DeploymentPlanner.For(request, model, shards: 1)!.Nodes);
        Assert.Null(DeploymentPlanner.For(request with { Disk = disk }, model, shards: 1));
        DeploymentPlan roomy = DeploymentPlanner.For(request with { Disk = disk, NodeRamBytes = 1280L << 20 }, model, shards: 1)!;
        Assert.Equal(process / 0.5, roomy.RamPerNodeBytes, 1.0);
        Assert.NotNull(DeploymentPlanner.For(request with { Disk = disk, ReadsRamFraction = 1 }, model, shards: 1));
        Assert.Null(DeploymentPlanner.For(request with { Disk = disk, ReadsRamFraction = 1, RamFraction = 0.5 }, model, shards: 1));

        DeploymentPlan spread = DeploymentPlanner.Plan(request with { Disk = disk }, [model])[0];
        Assert.True(spread.Nodes >= 2 && spread.RamPerNodeBytes <= request.NodeRamBytes, $"{spread.Shards} shards on {spread.Nodes} nodes");
        Assert.Throws<ArgumentOutOfRangeException>(() => DeploymentPlanner.Plan(request with { ReadsRamFraction = 0 }, [model]));
        Assert.Throws<ArgumentOutOfRangeException>(() => DeploymentPlanner.Plan(request with { ReadsRamFraction = 1.5 }, [model]));
    }
}
