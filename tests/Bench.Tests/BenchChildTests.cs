using VectorEngine.Bench.Processes;

namespace VectorEngine.Bench.Tests;

/// <summary>The bench starts itself again (tiers' search, the disk probe under pressure) however it was started.</summary>
public sealed class BenchChildTests
{
    [Theory]
    [InlineData("/usr/share/dotnet/dotnet")]
    [InlineData("/usr/bin/dotnet")]
    public void Under_the_dotnet_host_the_child_is_given_the_assembly_first(string host)
    {
        IReadOnlyList<string> arguments = BenchChild.Arguments(host, "/b/VectorEngine.Bench.dll", ["machine", "--disk-probe-child", "/d"]);

        Assert.Equal(["/b/VectorEngine.Bench.dll", "machine", "--disk-probe-child", "/d"], arguments);
    }

    [Theory]
    [InlineData("/tmp/bench/VectorEngine.Bench")]
    [InlineData("/opt/dotnet-tools/VectorEngine.Bench")]
    public void Under_the_apps_own_executable_the_assembly_is_not_passed_as_a_command(string host)
    {
        IReadOnlyList<string> arguments = BenchChild.Arguments(host, "/tmp/bench/VectorEngine.Bench.dll", ["tiers", "--stage", "search"]);

        Assert.Equal(["tiers", "--stage", "search"], arguments);
    }

    [Fact]
    public void This_test_process_starts_the_bench_through_the_host_it_runs_on()
    {
        var start = BenchChild.StartInfo(["machine"]);

        Assert.Equal(Environment.ProcessPath, start.FileName);
        Assert.False(start.UseShellExecute);
        Assert.Equal("machine", start.ArgumentList[^1]);
    }
}
