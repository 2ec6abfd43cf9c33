using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Bench.Planning;
using VectorEngine.Bench.Runs;

namespace VectorEngine.Bench.Tests;

/// <summary>The cost model's fit and the planner's arithmetic, on synthetic runs whose true costs are known.</summary>
public sealed class PlannerTests
{
    private const int Dim = 128;

    /// <summary>
    /// Time 2 µs · ef^0.8 · n^0.1; miss rate 0.05 · (ef / s(n))^-2 with s(n) = 16 · (1 + 0.25 ln(n/10⁴)), so the ef for
    /// any recall grows linearly in ln n, as measured on real data; 300 B/point + 1 MB, 600 B/point on disk.
    /// </summary>
    private static double Seconds(int n, int ef) => 2e-6 * Math.Pow(ef, 0.8) * Math.Pow(n, 0.1);

    private static double Recall(int n, int ef) => 1 - (0.05 * Math.Pow(ef / (16 * (1 + (0.25 * Math.Log(n / 1e4)))), -2));

    private static CostModel Synthetic() =>
        Assert.Single(Calibration.FitAll(SyntheticCalibration.Runs([10_000, 20_000, 40_000], [16, 24, 32, 48, 64, 96, 128], Dim, Seconds, Recall), out _));

    [Fact]
    public void The_fit_recovers_a_known_power_law_and_extrapolates_it()
    {
        CostModel model = Synthetic();
        foreach ((int n, int ef) in new[] { (1_000_000, 16), (5_000_000, 100), (80_000, 40) })
        {
            Assert.Equal(1 / Seconds(n, ef), model.Qps(n, ef), 1e-6 * model.Qps(n, ef));
        }

        // Recalls the calibration sweeps cross (0.95 to 0.9986 here) come back exactly, far beyond the sizes.
        foreach ((int n, int ef) in new[] { (1_000_000, 100), (5_000_000, 100), (80_000, 40), (200_000, 128) })
        {
            Assert.Equal(Recall(n, ef), model.Recall(n, ef), 1e-9);
        }

        Assert.Equal(1_000_000 + (300.0 * 3_000_000), model.IndexBytes(3_000_000, Dim), 1.0);
        Assert.Equal(600.0 * 3_000_000, model.DiskBytes(3_000_000, Dim), 1.0);
        Assert.Equal(1.5, model.TailRatio, 6);

        // The dimension scales time and vector bytes; the link bytes stay.
        Assert.Equal(2 * model.SecondsPerQuery(1e6, 32, Dim), model.SecondsPerQuery(1e6, 32, 2 * Dim), 1e-12);
        Assert.Equal(1_000_000 * 2 + (1e6 * (300 + (4 * Dim))), model.IndexBytes(1e6, 2 * Dim), 1.0);

        int ef95 = model.KnobFor(1e6, 0.95, k: 10)!.Value;
        Assert.True(model.Recall(1e6, ef95) >= 0.95);
        Assert.True(model.Recall(1e6, (int)(ef95 / 1.06)) < 0.95, "the knob is the smallest on the 5% grid");
    }

    [Fact]
    public void A_configuration_measured_at_one_size_is_not_fitted_and_says_why()
    {
        var run = new AnnRun { Index = "hnsw", Threads = 1, Qps = 1000, RecallAtK = 0.9, IndexBytes = 100, SearchParams = new() { ["ef"] = 16 } };
        var run2 = new AnnRun { Index = "hnsw", Threads = 1, Qps = 500, RecallAtK = 0.95, IndexBytes = 100, SearchParams = new() { ["ef"] = 32 } };
        Assert.Empty(Calibration.FitAll([("hnsw", new CalibrationPoint(run, 1000, 8)), ("hnsw", new CalibrationPoint(run2, 1000, 8))], out IReadOnlyList<string> skipped));
        Assert.Contains("two or more sizes", Assert.Single(skipped));
    }

    [Property(MaxTest = 200)]
    public Property Every_plan_meets_the_targets_it_was_given() =>
        Prop.ForAll(
            (from vectors in Gen.Choose(1, 2_000)
             from qps in Gen.Choose(1, 50_000)
             from recall in Gen.Elements(0.8, 0.9, 0.95, 0.99)
             from p95 in Gen.Elements(2.0, 5.0, 20.0, 100.0)
             from ram in Gen.Elements(8, 64, 512)
             from cores in Gen.Elements(2, 16, 64)
             from replicas in Gen.Choose(1, 3)
             select new PlanRequest
             {
                 Vectors = vectors * 100_000L, Dimension = Dim, TargetRecall = recall, P95Ms = p95, Qps = qps,
                 NodeRamBytes = (long)ram << 30, NodeCores = cores, MinReplicas = replicas,
             }).ToArbitrary(),
            request =>
            {
                CostModel model = Synthetic();
                foreach (DeploymentPlan plan in DeploymentPlanner.Plan(request, [model]))
                {
                    Assert.True(plan.Recall >= request.TargetRecall);
                    Assert.True(plan.P95Ms <= request.P95Ms);
                    Assert.True(plan.CapacityQps >= request.Qps * 0.999, $"capacity {plan.CapacityQps} < {request.Qps}");
                    Assert.True(plan.RamPerNodeBytes <= request.NodeRamBytes);
                    Assert.True(plan.Replicas >= request.MinReplicas && plan.Nodes >= plan.Replicas);
                    Assert.True((long)plan.Shards * plan.Replicas >= plan.Nodes, "every node holds a replica");
                    Assert.True(plan.PointsPerShard * plan.Shards >= request.Vectors);
                }
            });

    [Fact]
    public void Memory_sets_the_node_count_when_the_load_is_light()
    {
        var request = new PlanRequest { Vectors = 1_000_000_000, Dimension = Dim, TargetRecall = 0.9, P95Ms = 50, Qps = 10, NodeRamBytes = 64L << 30 };
        DeploymentPlan plan = Assert.Single(DeploymentPlanner.Plan(request, [Synthetic()]));

        Assert.Equal("memory", plan.LimitedBy);

        // Two copies of 300 GB of indexes, each node's engine process holding 1.3x its copies' bytes and 180 MiB of
        // runtime in 70% of 64 GiB; whole shards round it up.
        double heapBytes = 2 * 1.3 * (1_000_000 + (300.0 * 1e9));
        double room = (0.7 * (64L << 30)) - (180 << 20);
        Assert.InRange(plan.Nodes, (int)Math.Ceiling(heapBytes / room), (int)Math.Ceiling(heapBytes / room) + 2);
    }

    [Fact]
    public void More_load_never_needs_fewer_nodes()
    {
        CostModel model = Synthetic();
        int previous = 0;
        foreach (double qps in (double[])[100, 1_000, 10_000, 100_000, 1_000_000])
        {
            var request = new PlanRequest { Vectors = 50_000_000, Dimension = 384, TargetRecall = 0.95, P95Ms = 20, Qps = qps };
            int nodes = DeploymentPlanner.Plan(request, [model])[0].Nodes;
            Assert.True(nodes >= previous, $"{qps} QPS: {nodes} nodes after {previous}");
            previous = nodes;
        }

        Assert.True(previous > 10);
    }

    [Fact]
    public void Targets_no_configuration_reaches_give_no_plan_and_bad_requests_are_refused()
    {
        CostModel model = Synthetic();
        Assert.Empty(DeploymentPlanner.Plan(new PlanRequest { Vectors = 1_000_000, Dimension = Dim, TargetRecall = 0.95, P95Ms = 0.5, Qps = 10 }, [model]));
        Assert.Throws<ArgumentOutOfRangeException>(() => DeploymentPlanner.Plan(new PlanRequest { Vectors = 0, Dimension = Dim, TargetRecall = 0.95, P95Ms = 5, Qps = 10 }, [model]));
        Assert.Throws<ArgumentOutOfRangeException>(() => DeploymentPlanner.Plan(new PlanRequest { Vectors = 10, Dimension = Dim, TargetRecall = 1.0, P95Ms = 5, Qps = 10 }, [model]));
        Assert.Throws<ArgumentOutOfRangeException>(() => DeploymentPlanner.Plan(new PlanRequest { Vectors = 10, Dimension = Dim, TargetRecall = 0.9, P95Ms = 5, Qps = 10, CpuUtilization = 1 }, [model]));
    }

    /// <summary>
    /// A shard beyond the segment cap is several segments searched in turn: 10M points under a 1M cap are ten 1M-point
    /// segments, whose knob, recall and memory are a 1M index's and whose time is ten of its searches; the engine's
    /// default cap is min(1M, 2 GiB / 4·dim).
    /// </summary>
    [Fact]
    public void A_shard_of_several_segments_costs_a_search_of_each()
    {
        CostModel model = Synthetic();
        var request = new PlanRequest { Vectors = 10_000_000, Dimension = Dim, TargetRecall = 0.95, P95Ms = 1_000, Qps = 1, MinReplicas = 1, SegmentPoints = 1_000_000 };
        DeploymentPlan plan = DeploymentPlanner.For(request, model, shards: 1)!;
        int knob = model.KnobFor(1_000_000, 0.95, k: 10)!.Value;

        Assert.Equal(10, plan.Segments);
        Assert.Equal(1_000_000, plan.PointsPerSegment);
        Assert.Equal(knob, plan.KnobValue);
        Assert.True(knob < model.KnobFor(10_000_000, 0.95, k: 10), "a segment needs a smaller knob than one index of all the points");
        Assert.Equal(model.Recall(1_000_000, knob), plan.Recall, 12);
        Assert.Equal(((1.3 * 10 * model.IndexBytes(1_000_000, Dim)) + (180 << 20)) / request.RamFraction, plan.RamPerNodeBytes, 1.0);
        Assert.Equal(request.NodeCores * request.CpuUtilization * model.ThreadEfficiency / (10 * model.SecondsPerQuery(1_000_000, knob, Dim)), plan.CapacityQps, 1e-6);

        Assert.Equal(1_000_000, (request with { SegmentPoints = null }).SegmentCap);
        Assert.Equal((2L << 30) / (4 * 1536), (request with { SegmentPoints = null, Dimension = 1536 }).SegmentCap);
        Assert.Throws<ArgumentOutOfRangeException>(() => DeploymentPlanner.Plan(request with { SegmentPoints = 0 }, [model]));

        // At a given knob the plan states the recall there instead of meeting the target.
        DeploymentPlan atKnob = DeploymentPlanner.For(request with { Knob = 20, TargetRecall = 0.999 }, model, shards: 1)!;
        Assert.Equal(20, atKnob.KnobValue);
        Assert.Equal(model.Recall(1_000_000, 20), atKnob.Recall, 12);
        Assert.True(atKnob.Recall < 0.999);
        Assert.Throws<ArgumentOutOfRangeException>(() => DeploymentPlanner.Plan(request with { Knob = 0 }, [model]));
    }

    [Fact]
    public void Erlang_c_matches_the_closed_forms()
    {
        Assert.Equal(0.3, QueueingDelay.ErlangC(1, 0.3), 12);
        Assert.Equal(1.0 / 3, QueueingDelay.ErlangC(2, 0.5), 12);
        Assert.Equal(0, QueueingDelay.P95WaitSeconds(16, 0.5, 1e-3));
        Assert.Equal(Math.Log(0.9 / 0.05) / 100, QueueingDelay.P95WaitSeconds(1, 0.9, 1e-3), 12);
    }
}
