using System.CommandLine;
using System.Text.Json;
using VectorEngine.Bench.Commands;
using VectorEngine.Bench.Planning;

namespace VectorEngine.Bench.Tests;

/// <summary>
/// <c>bench plan --apply</c>: the recommended layout and its predictions written for <c>scripts/cluster.sh up --plan</c>
/// and <c>bench load --plan</c>, read back exactly, and a damaged file refused by name.
/// </summary>
public sealed class AppliedPlanTests
{
    [Fact]
    public void The_applied_file_is_the_recommended_plan_and_reads_back()
    {
        string apply = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.env");
        string json = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.json");
        try
        {
            int code = new RootCommand { PlanCommand.Create() }
                .Parse(["plan", "--vectors", "2M", "--dim", "128", "--p95-ms", "20", "--qps", "3000", "--replicas", "1", "--node-cores", "4", "--json", json, "--apply", apply])
                .Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
            Assert.Equal(0, code);

            AppliedPlan plan = AppliedPlan.Read(apply);
            JsonElement best = JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("plans")[0];
            Assert.Equal(best.GetProperty("nodes").GetInt32(), plan.Nodes);
            Assert.Equal(best.GetProperty("shards").GetInt32(), plan.Shards);
            Assert.Equal(best.GetProperty("replicas").GetInt32(), plan.Replicas);
            Assert.Equal(best.GetProperty("knob_value").GetInt32(), plan.KnobValue);
            Assert.Equal(3000, plan.TargetQps);
            Assert.Equal(best.GetProperty("p95_ms").GetDouble(), plan.P95Ms, 2);

            // Capacity at the 50% utilization limit, over that limit: every core busy. The JSON rounds capacity to a whole
            // QPS, so the two agree within one after the division.
            Assert.Equal(best.GetProperty("capacity_qps").GetDouble() / 0.5, plan.SaturationQps, tolerance: 1.0);
            Assert.Contains($"NODES={plan.Nodes}", File.ReadAllLines(apply));
        }
        finally
        {
            File.Delete(apply);
            File.Delete(json);
        }
    }

    [Theory]
    [InlineData("SHARDS=2\n", "no NODES")]
    [InlineData("NODES=zero\n", "NODES must be a positive whole number")]
    [InlineData("NODES=0\n", "NODES must be a positive whole number")]
    [InlineData("NODES=2\nSHARDS=1\nREPLICAS=1\nINDEX=hnsw\nKNOB=ef\nKNOB_VALUE=32\nTARGET_QPS=-5\n", "TARGET_QPS must be a positive number")]
    [InlineData("NODES 2\n", "is not KEY=value")]
    public void A_damaged_plan_file_is_refused_by_name(string text, string message)
    {
        string path = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.env");
        File.WriteAllText(path, text);
        try
        {
            var e = Assert.Throws<VectorEngineArgumentException>(() => AppliedPlan.Read(path));
            Assert.Equal("plan", e.ParamName);
            Assert.Contains(message, e.Message);
        }
        finally
        {
            File.Delete(path);
        }

        Assert.Equal("plan", Assert.Throws<VectorEngineArgumentException>(() => AppliedPlan.Read(path)).ParamName);
    }

    [Fact]
    public void Every_value_round_trips()
    {
        var plan = new AppliedPlan
        {
            Nodes = 3, Shards = 4, Replicas = 2, Index = "hnsw m=16 ef_construction=200", Knob = "ef", KnobValue = 37,
            TargetQps = 2500, P95Ms = 4.125, SaturationQps = 8123.5, Recall = 0.951, TimeFactor = 1.35,
        };
        string path = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.env");
        try
        {
            plan.Write(path);
            Assert.Equal(plan, AppliedPlan.Read(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
