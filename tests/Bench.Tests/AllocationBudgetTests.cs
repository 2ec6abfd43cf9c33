using System.Diagnostics;
using VectorEngine.Benchmarks.Budget;
using Xunit.Abstractions;

namespace VectorEngine.Bench.Tests;

/// <summary>
/// The hot paths' BenchmarkDotNet suites (kernels, exact scan, HNSW search, PQ ADC, WAL append) with the memory
/// diagnoser, in a process of their own, against the committed budget in
/// bench/VectorEngine.Benchmarks/allocation-budget.json: an allocation creeping into a hot path fails the build.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class AllocationBudgetTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Hot_paths_allocate_within_the_committed_budget()
    {
        string budget = Path.Combine(AppContext.BaseDirectory, "allocation-budget.json");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { typeof(AllocationBudget).Assembly.Location, "budget", "--check", budget },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        Task<string> stderrTask = process.StandardError.ReadToEndAsync(timeout.Token);
        string stdout = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        string stderr = await stderrTask;
        output.WriteLine(stdout);
        output.WriteLine(stderr);

        Assert.True(process.ExitCode == 0, stdout + stderr);
        Assert.Contains("allocation budget: met", stdout);
    }

    [Fact]
    public void Over_budget_unbudgeted_and_stale_entries_all_fail()
    {
        var measured = new Dictionary<string, long> { ["A.Search"] = 0, ["A.Upsert"] = 120, ["B.New"] = 8 };
        var budget = new Dictionary<string, long> { ["A.Search"] = 0, ["A.Upsert"] = 96, ["C.Gone"] = 0 };

        List<string> failures = AllocationBudget.Compare(measured, budget);

        Assert.Equal(3, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("A.Upsert: 120 B/op, budget 96", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("B.New: 8 B/op and no budget", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("C.Gone: budgeted but not measured", StringComparison.Ordinal));
        Assert.Empty(AllocationBudget.Compare(new Dictionary<string, long> { ["A.Search"] = 0 }, new Dictionary<string, long> { ["A.Search"] = 0 }));
    }
}
