using System.Diagnostics;

namespace VectorEngine.Bench.Processes;

/// <summary>
/// Starts the bench again as a child process (a search in a memory cgroup, a disk probe under pressure). How depends
/// on how this process was started: through the <c>dotnet</c> host (<c>dotnet VectorEngine.Bench.dll ...</c>, as tests
/// and <c>dotnet exec</c> do), the child needs the assembly as its first argument; through the app's own executable
/// (<c>./VectorEngine.Bench ...</c>, as <c>dotnet run</c> and a published bench do), that argument would be read as a
/// command and refused.
/// </summary>
internal static class BenchChild
{
    /// <summary>A start for the bench with <paramref name="arguments"/>, run by the host this process runs on.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("This process's executable is unknown: the bench cannot start itself again.");
        return new ProcessStartInfo(host, Arguments(host, typeof(BenchChild).Assembly.Location, arguments)) { UseShellExecute = false };
    }

    /// <summary>The child's arguments when <paramref name="host"/> runs it: the assembly first only under the dotnet host.</summary>
    public static IReadOnlyList<string> Arguments(string host, string assembly, IEnumerable<string> arguments) =>
        RunsThroughDotnetHost(host) ? [assembly, .. arguments] : [.. arguments];

    private static bool RunsThroughDotnetHost(string host) =>
        Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
}
