using System.CommandLine;
using VectorEngine.Bench.Commands;

namespace VectorEngine.Bench.Tests;

/// <summary>Bad arguments to bench machine, bench plan --data and bench plan-check: a typed error naming the option, and nothing written.</summary>
public sealed class CommandInputTests
{
    [Theory]
    [InlineData("--largest-mib", "0")]
    [InlineData("--budget-ms", "-5")]
    public void Bench_machine_refuses_a_non_positive_size_or_budget_and_writes_no_profile(string option, string value)
    {
        string cache = Path.Combine(Path.GetTempPath(), $"machine-{Guid.NewGuid():N}.json");
        Command command = MachineCommand.Create();
        var error = Assert.Throws<VectorEngineArgumentException>(() =>
            new RootCommand { command }.Parse(["machine", option, value, "--cache", cache]).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));
        Assert.Contains("--largest-mib and --budget-ms must be positive", error.Message);
        Assert.False(File.Exists(cache));
    }

    [Fact]
    public void Bench_plan_refuses_a_sample_it_cannot_read_before_writing_anything()
    {
        string json = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.json");
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-sample-{Guid.NewGuid():N}");
        var error = Assert.Throws<VectorEngineArgumentException>(() =>
            new RootCommand { PlanCommand.Create() }
                .Parse(["plan", "--vectors", "1M", "--dim", "128", "--p95-ms", "20", "--qps", "100", "--json", json, "--data", missing])
                .Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));
        Assert.Equal("data", error.ParamName);
        Assert.Contains("--data", error.Message);
        Assert.False(File.Exists(json));
    }

    [Theory]
    [InlineData("check", "--calibrate", "1000,2000", "--check", "1500")]
    [InlineData("check", "--calibrate", "1000", "--check", "4000")]
    [InlineData("target-recall", "--calibrate", "1000,2000", "--check", "4000", "--target-recall", "1.5")]
    [InlineData("target-recall", "--calibrate", "1000,2000", "--check", "4000", "--efs", "10")]
    [InlineData("dataset", "--calibrate", "1000,2000", "--check", "4000")]
    [InlineData("sweeps", "--calibrate", "1000,2000", "--check", "4000", "--sweeps", "no-such-sweeps.json")]
    public void Bench_plan_check_refuses_bad_sizes_targets_and_datasets_and_writes_nothing(string parameter, params string[] arguments)
    {
        string json = Path.Combine(Path.GetTempPath(), $"plan-check-{Guid.NewGuid():N}.json");
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-dataset-{Guid.NewGuid():N}");
        var error = Assert.Throws<VectorEngineArgumentException>(() =>
            new RootCommand { PlanCheckCommand.Create() }
                .Parse(["plan-check", "--dataset", missing, "--out", json, .. arguments])
                .Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));
        Assert.Equal(parameter, error.ParamName);
        Assert.False(File.Exists(json));
    }

    /// <summary>bench load --plan with a file that is not there: refused by name before any server is called.</summary>
    [Fact]
    public void Bench_load_refuses_a_plan_file_it_cannot_read_before_calling_anything()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-plan-{Guid.NewGuid():N}.env");
        var error = Assert.Throws<VectorEngineArgumentException>(() =>
            new RootCommand { LoadCommand.Create() }
                .Parse(["load", "--target", "127.0.0.1:1", "--collection", "jobs", "--plan", missing])
                .Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));
        Assert.Equal("plan", error.ParamName);
    }
}
