using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.FaultInjection;
using VectorEngine.Tests.TestKit;
using Xunit.Abstractions;

namespace VectorEngine.Tests.Faults;

/// <summary>
/// The engine under injected faults (fault-injecting file system): random scenarios with shrinking, and sweeps that put
/// a power loss and a failed fsync at every single file-system call of one scenario. Every run ends with a power loss,
/// so an acknowledged write that was only in the page cache is caught. `bench faults` runs the same for longer.
/// </summary>
public sealed class FaultInjectionPropertyTests(ITestOutputHelper output)
{
    /// <summary>A fixed scenario that seals, merges, snapshots and reopens: the sweeps hit every call it makes.</summary>
    private static readonly Step[] SweepSteps =
    [
        new Step.Upsert([1, 2, 3, 4, 5, 6, 7, 8]), new Step.Upsert([9, 10, 11, 12, 13, 14, 15, 16]), new Step.Delete([2, 3]),
        new Step.Upsert([17, 18, 19, 20, 21, 22, 23, 24]), new Step.Upsert([1, 25, 26]), new Step.Checkpoint(), new Step.Delete([9, 25]),
        new Step.Upsert([30, 31]), new Step.Checkpoint(), new Step.Optimize(), new Step.SnapshotRoundTrip(), new Step.Upsert([40, 2]),
        new Step.Reopen(), new Step.Upsert([41, 42]),
    ];

    /// <summary>
    /// Found by `bench faults` (seed 11): a seal's manifest rename whose folder fsync failed stopped the collection, and
    /// the reopen in the same boot read the renamed manifest from the page cache and deleted the WAL files it no longer
    /// named; a power loss then brought the old manifest back without them. Recovery now fsyncs what it reads first.
    /// </summary>
    [Fact]
    public void A_reopen_after_a_failed_folder_fsync_makes_what_it_trusts_durable_before_deleting_anything()
    {
        Step[] steps =
        [
            new Step.Delete([50, 18, 19]), new Step.Upsert([58, 62]), new Step.Upsert([10, 50, 58, 14]), new Step.Upsert([16, 37, 31]),
            new Step.Delete([41, 50, 48]), new Step.Upsert([42, 24, 4, 26, 30, 44]), new Step.Optimize(), new Step.Upsert([3, 62, 31, 43, 9, 0, 13]),
            new Step.Upsert([23, 57, 46, 22, 15]), new Step.Checkpoint(), new Step.Upsert([29]), new Step.Upsert([62, 3, 31, 29, 1, 25]),
            new Step.Upsert([19]), new Step.Upsert([60, 3, 10, 43, 35, 33, 47, 19]), new Step.Upsert([17, 28, 51, 10]), new Step.Reopen(),
            new Step.Upsert([2, 7, 37, 61]), new Step.Reopen(),
        ];

        // Every folder fsync from the seal onwards, so the scenario keeps hitting the manifest's whatever the call count.
        for (long at = 120; at <= 200; at++)
        {
            using TempDirectory dir = Data.ModelledTempDir();
            var scenario = new Scenario(steps, new Fault(FaultKind.FailDirectorySync, at), 618510750);
            ScenarioResult result = DurabilityScenario.Run(dir.Path, scenario);
            Assert.True(result.Violations.Count == 0, $"{scenario}\nfault: {result.Fired}\n{string.Join("\n", result.Violations)}");
        }
    }

    [Property(MaxTest = 150, EndSize = 100)]
    public Property Acknowledged_writes_survive_and_failed_writes_leave_no_trace() =>
        Prop.ForAll(ScenarioGenerators.Arbitrary(maxSteps: 24, maxCall: 260), scenario =>
        {
            using TempDirectory dir = Data.ModelledTempDir();
            ScenarioResult result = DurabilityScenario.Run(dir.Path, scenario);
            Assert.True(result.Violations.Count == 0, $"{scenario}\nfault: {result.Fired}\n{string.Join("\n", result.Violations)}");
        });

    /// <summary>Power loss and failed fsyncs at every call; the other kinds at every third (their calls are a subset).</summary>
    [Theory]
    [InlineData(FaultKind.PowerLoss, 1)]
    [InlineData(FaultKind.FailFileSync, 1)]
    [InlineData(FaultKind.FailDirectorySync, 3)]
    [InlineData(FaultKind.FailWrite, 3)]
    [InlineData(FaultKind.DiskFull, 3)]
    [InlineData(FaultKind.FailRename, 3)]
    public void A_fault_at_every_call_of_a_scenario_loses_no_acknowledged_write(FaultKind kind, int stride)
    {
        long calls;
        using (TempDirectory clean = Data.ModelledTempDir())
        {
            ScenarioResult baseline = DurabilityScenario.Run(clean.Path, new Scenario(SweepSteps, new Fault(FaultKind.None, 0), 1));
            Assert.Empty(baseline.Violations);
            calls = baseline.Calls;
        }

        int fired = 0;
        for (long at = 1 + ((int)kind % stride); at <= calls; at += stride)
        {
            using TempDirectory dir = Data.ModelledTempDir();
            var scenario = new Scenario(SweepSteps, new Fault(kind, at), (int)at);
            ScenarioResult result = DurabilityScenario.Run(dir.Path, scenario);
            Assert.True(result.Violations.Count == 0, $"{scenario}\nfault: {result.Fired}\n{string.Join("\n", result.Violations)}");
            fired += result.Fired is null ? 0 : 1;
        }

        output.WriteLine($"{kind}: every {stride} of {calls} calls swept, the fault struck in {fired} runs, no violation");
        Assert.True(fired > 0, $"{kind} never struck in {calls} calls");
    }
}
