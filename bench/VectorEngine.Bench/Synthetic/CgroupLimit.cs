using System.Globalization;

namespace VectorEngine.Bench.Synthetic;

/// <summary>
/// A kernel-enforced memory limit for the search process: a cgroup v1 memory group (this machine mounts v1 and has no
/// systemd for a v2 scope) that the child joins first thing. Its usage counts the page cache the process brings in, as
/// a container's does, and the kernel reclaims that cache (or kills the process) at the limit. Null where the
/// hierarchy is missing or not writable; the run then falls back to the measured ceiling alone.
/// </summary>
internal sealed class CgroupLimit : IDisposable
{
    public const string EnvironmentVariable = "VECTORENGINE_BENCH_CGROUP";
    private const string Root = "/sys/fs/cgroup/memory";

    private CgroupLimit(string path) => Path = path;

    public string Path { get; }

    /// <summary>The group's peak usage (resident memory and page cache charged to it).</summary>
    public long? MaxUsage => Read("memory.max_usage_in_bytes");

    /// <summary>How often usage hit the limit (the kernel reclaimed, or failed to).</summary>
    public long? FailCount => Read("memory.failcnt");

    public static CgroupLimit? TryCreate(long limitBytes)
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists(Root))
        {
            return null;
        }

        string path = System.IO.Path.Combine(Root, $"vectorengine-tiers-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(path);
            File.WriteAllText(System.IO.Path.Combine(path, "memory.limit_in_bytes"), limitBytes.ToString(CultureInfo.InvariantCulture));
            return new CgroupLimit(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Moves the calling process into the group named by <see cref="EnvironmentVariable"/>, if any.</summary>
    public static string? JoinFromEnvironment()
    {
        string? path = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        File.WriteAllText(System.IO.Path.Combine(path, "cgroup.procs"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        return path;
    }

    public static long? ReadFrom(string path, string file)
    {
        try
        {
            return long.Parse(File.ReadAllText(System.IO.Path.Combine(path, file)).Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path);
        }
        catch (IOException)
        {
            // Still has a process in it (it exits shortly): the group is left behind, empty, which costs nothing.
        }
    }

    private long? Read(string file) => ReadFrom(Path, file);
}
