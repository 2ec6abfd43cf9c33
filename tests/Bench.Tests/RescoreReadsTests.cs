using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Bench.Machine;
using VectorEngine.Bench.Planning;

namespace VectorEngine.Bench.Tests;

/// <summary>Pricing a product-quantized index's rescoring reads by the share of its float rows a node's page cache holds.</summary>
public sealed class RescoreReadsTests
{
    private const int Dim = 384;
    private static readonly DiskSample Disk = new(1536, 20, MissMicros: 12, HitMicros: 4);

    private static CostModel Pq() => SyntheticCalibration.ProductQuantized(Dim);

    [Property(MaxTest = 300)]
    public Property A_row_costs_the_page_cache_price_when_all_are_cached_the_disk_price_when_none_are_and_between_in_proportion() =>
        Prop.ForAll(Gen.Choose(0, 1000).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (a, b) =>
        {
            double low = Math.Min(a, b) / 1000.0, high = Math.Max(a, b) / 1000.0;
            Assert.Equal(Disk.HitMicros, Disk.MicrosPerRow(1), 12);
            Assert.Equal(Disk.MissMicros, Disk.MicrosPerRow(0), 12);
            Assert.Equal(Disk.MicrosPerRow(1), Disk.MicrosPerRow(1 + high), 12);
            Assert.Equal(Disk.MicrosPerRow(0), Disk.MicrosPerRow(-high), 12);
            Assert.True(Disk.MicrosPerRow(high) <= Disk.MicrosPerRow(low), "more of the rows cached never costs more");
            Assert.Equal(Disk.HitMicros + ((1 - low) * (Disk.MissMicros - Disk.HitMicros)), Disk.MicrosPerRow(low), 9);
        });

    [Fact]
    public void The_cached_share_is_what_memory_the_engine_process_leaves_over_the_rows()
    {
        Assert.Equal((1.3 * 1e9) + (180 << 20), EngineProcess.Bytes(1e9), 6);
        Assert.Equal(0.25, RescoreReads.CachedShare(4e9, 2e9, 8e9), 12);
        Assert.Equal(1, RescoreReads.CachedShare(4e9, 1e9, 2e9));
        Assert.Equal(0, RescoreReads.CachedShare(4e9, 5e9, 2e9));
        Assert.Equal(1, RescoreReads.CachedShare(4e9, 1e9, 0));
        Assert.Equal(1_000_000 * 384 * 4.0, RescoreReads.FloatBytes(1_000_000, 384));
        Assert.Equal(1_000_000 * 112 * 4.0, RescoreReads.FloatBytes(1_000_000, 100));
        Assert.Equal(580 * 10 * 2.0, RescoreReads.RowsPerQuery(580, 10));
    }

    /// <summary>
    /// 10M points in ten 1M segments on one node: with memory for every row the reads cost the page-cache price, with less
    /// they cost the share the node caches; int8 and float indexes, and a profile without a disk probe, pay nothing extra.
    /// </summary>
    [Fact]
    public void A_node_that_cannot_cache_its_rows_pays_for_the_disk_and_one_that_can_does_not()
    {
        CostModel model = Pq();
        var request = new PlanRequest
        {
            Vectors = 10_000_000, Dimension = Dim, TargetRecall = 0.95, P95Ms = 10_000, Qps = 1, MinReplicas = 1, SegmentPoints = 1_000_000, NodeRamBytes = 1L << 40,
        };
        DeploymentPlan memory = DeploymentPlanner.For(request, model, shards: 1)!;
        DeploymentPlan cached = DeploymentPlanner.For(request with { Disk = Disk }, model, shards: 1)!;
        Assert.Equal(0, memory.RescoreRowsPerQuery);
        Assert.Equal(200, cached.RescoreRowsPerQuery);
        Assert.Equal(1, cached.RescoreCachedShare);
        Assert.Equal(200 * Disk.HitMicros / 1000, cached.RescoreMs, 9);

        // A node of 12 GB: the engine process (1.3 x the indexes' bytes on its heap, 180 MiB of runtime) leaves the rest of
        // it for the 15.4 GB of rows.
        long ram = 12_000_000_000;
        double resident = 10 * model.IndexBytes(1_000_000, Dim);
        DeploymentPlan tight = DeploymentPlanner.For(request with { Disk = Disk, NodeRamBytes = ram }, model, shards: 1)!;
        double share = (ram - ((1.3 * resident) + (180 << 20))) / RescoreReads.FloatBytes(10_000_000, Dim);
        Assert.InRange(share, 0.5, 1);
        Assert.Equal(share, tight.RescoreCachedShare, 9);
        Assert.Equal(200 * Disk.MicrosPerRow(share) / 1000, tight.RescoreMs, 9);
        Assert.True(tight.P95Ms > cached.P95Ms && tight.CapacityQps < cached.CapacityQps);
        double searchMs = 10 * model.SecondsPerQuery(1_000_000, cached.KnobValue, Dim) * 1000;
        Assert.Equal(1, tight.CapacityQps / (cached.CapacityQps * (searchMs + cached.RescoreMs) / (searchMs + tight.RescoreMs)), 9);

        CostModel plain = Assert.Single(Calibration.FitAll(SyntheticCalibration.Runs([10_000, 20_000, 40_000], [16, 32, 64, 128], Dim,
            (n, ef) => 2e-6 * ef, (n, ef) => 1 - (0.5 / ef)), out _));
        Assert.Equal(0, DeploymentPlanner.For(request with { Disk = Disk, NodeRamBytes = ram }, plain, shards: 1)!.RescoreMs);
    }

    /// <summary>
    /// Under a load that needs several nodes, one shard puts a whole copy on every node, whose rows its memory cannot
    /// cache; eight shards spread over the nodes leave each a quarter of the rows, cached whole: fewer nodes carry the load.
    /// The whole node is the process's to fill here, so that one shard's copy fits one node at all.
    /// </summary>
    [Fact]
    public void Spreading_the_shards_over_the_nodes_caches_more_of_each_nodes_rows()
    {
        CostModel model = Pq();
        var request = new PlanRequest
        {
            Vectors = 40_000_000, Dimension = Dim, TargetRecall = 0.95, P95Ms = 100_000, Qps = 3_000, MinReplicas = 1, SegmentPoints = 1_000_000,
            NodeRamBytes = 24L << 30, RamFraction = 1, ReadsRamFraction = 1, Disk = Disk,
        };
        DeploymentPlan one = DeploymentPlanner.For(request, model, shards: 1)!;
        DeploymentPlan eight = DeploymentPlanner.For(request, model, shards: 8)!;
        Assert.True(one.Nodes > eight.Nodes, $"one shard: {one.Nodes} nodes; eight: {eight.Nodes}");
        double resident = 40 * model.IndexBytes(1_000_000, Dim);
        Assert.Equal(RescoreReads.CachedShare(24L << 30, EngineProcess.Bytes(resident), RescoreReads.FloatBytes(40_000_000, Dim)), one.RescoreCachedShare, 9);
        Assert.True(one.RescoreCachedShare < 0.5, $"one shard: {one.RescoreCachedShare:F3} of its rows cached");
        Assert.Equal(1, eight.RescoreCachedShare);
        Assert.True(eight.RescoreMs / eight.Segments < one.RescoreMs / one.Segments);
    }

    /// <summary>
    /// The probe on the disk the tests run from: rows just dropped from the page cache cost more than the same rows read
    /// again (a tmpfs has no disk below it, and only the probe's sanity is asserted there).
    /// </summary>
    [Fact]
    public void On_this_disk_a_row_from_disk_costs_more_than_one_from_the_page_cache()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "disk-probe-" + Guid.NewGuid().ToString("N"));
        try
        {
            DiskSample? sample = DiskProbe.Measure(dir, batches: 50, fileBytes: 32L << 20);
            if (!OperatingSystem.IsLinux())
            {
                Assert.Null(sample);
                return;
            }

            Assert.NotNull(sample);
            Assert.Equal(DiskProbe.RowBytes, sample.RowBytes);
            Assert.True(sample.HitMicros > 0 && sample.HitMicros < 1_000, $"{sample.HitMicros:F2} µs from the page cache");
            if (new DriveInfo(dir).DriveFormat != "tmpfs")
            {
                Assert.True(sample.MissMicros > sample.HitMicros, $"{sample.MissMicros:F2} µs from disk, {sample.HitMicros:F2} µs from the page cache");
            }

            Assert.Empty(Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// The full-cache probe in a folder its child cannot make (the parent is a file) measures nothing and says why: the
    /// child's exit and first error line where a cgroup could be made, the missing cgroup where not.
    /// </summary>
    [Fact]
    public void A_full_cache_probe_that_cannot_run_says_why()
    {
        string file = Path.Combine(AppContext.BaseDirectory, "disk-probe-file-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(file, "not a folder");
        try
        {
            FullCacheProbe probe = DiskProbe.MissMicrosWithFullCache(Path.Combine(file, "sub"));
            Assert.Null(probe.Micros);
            Assert.NotNull(probe.Unmeasured);
            using Synthetic.CgroupLimit? cgroup = Synthetic.CgroupLimit.TryCreate(64L << 20);
            Assert.Contains(cgroup is null ? "no writable cgroup" : "the probe's child exited", probe.Unmeasured, StringComparison.Ordinal);
            Assert.Equal("not a folder", File.ReadAllText(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>A folder that cannot be made (its parent is a file) gives no sample, not an exception, and touches nothing.</summary>
    [Fact]
    public void A_folder_that_cannot_take_the_probe_file_gives_no_sample_and_changes_nothing()
    {
        string file = Path.Combine(AppContext.BaseDirectory, "disk-probe-file-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(file, "not a folder");
        try
        {
            Assert.Null(DiskProbe.Measure(Path.Combine(file, "sub"), batches: 1, fileBytes: 4L << 20));
            Assert.Equal("not a folder", File.ReadAllText(file));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
