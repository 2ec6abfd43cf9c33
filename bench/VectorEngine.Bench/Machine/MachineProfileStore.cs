using System.Text.Json;
using System.Text.Json.Serialization;

namespace VectorEngine.Bench.Machine;

/// <summary>
/// Keeps the measured profile in the user's cache folder, so <c>bench machine</c> and <c>bench plan</c> measure once per
/// machine: a profile whose key (CPU, cores, SIMD, memory) or format differs from now is measured again.
/// </summary>
internal static class MachineProfileStore
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>$XDG_CACHE_HOME/vectorengine/machine.json (or ~/.cache/...).</summary>
    public static string DefaultPath
    {
        get
        {
            string? cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (string.IsNullOrEmpty(cache))
            {
                cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            }

            return Path.Combine(cache, "vectorengine", "machine.json");
        }
    }

    /// <summary>The cached profile when it is of this machine and format; null otherwise.</summary>
    public static MachineProfile? TryLoad(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            MachineProfile? profile = JsonSerializer.Deserialize<MachineProfile>(File.ReadAllText(path), Json);
            return profile is { Version: MachineProfile.CurrentVersion } && profile.Key == MachineProbe.CurrentKey() && profile.Levels.Count > 0 ? profile : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static void Save(string path, MachineProfile profile)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(profile, Json));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Working sets <c>bench machine</c> measures up to by default (MiB): well beyond the last cache.</summary>
    public const int DefaultLargestMiB = 256;

    /// <summary>Time <c>bench machine</c> spends on each working set by default (ms).</summary>
    public const int DefaultBudgetMilliseconds = 40;

    /// <summary>The profile the planner charges memory by: cached, or measured now with the defaults and saved.</summary>
    public static MachineProfile ForPlanning() =>
        LoadOrMeasure(DefaultPath, refresh: false, (long)DefaultLargestMiB << 20, TimeSpan.FromMilliseconds(DefaultBudgetMilliseconds));

    /// <summary>The cached profile, or a new measurement (saved) when there is none for this machine or <paramref name="refresh"/>.</summary>
    /// <param name="path">The profile file.</param>
    /// <param name="refresh">Measure even when a profile of this machine is cached.</param>
    /// <param name="largestBytes">The largest working set of the latency curve.</param>
    /// <param name="budget">Time per working set.</param>
    /// <param name="progress">Where each measured point is reported.</param>
    /// <param name="diskDirectory">Where the disk probe writes its file; null for the profile's folder.</param>
    /// <param name="measureDisk">False to leave the disk probe out.</param>
    public static MachineProfile LoadOrMeasure(string path, bool refresh, long largestBytes, TimeSpan budget, Action<string>? progress = null, string? diskDirectory = null,
        bool measureDisk = true)
    {
        if (!refresh && TryLoad(path) is { } cached)
        {
            return cached;
        }

        MachineProfile profile = MachineProbe.Measure(largestBytes, budget, progress, diskDirectory ?? Path.GetDirectoryName(Path.GetFullPath(path)), measureDisk);
        Save(path, profile);
        return profile;
    }
}
