using System.CommandLine;
using Spectre.Console;
using VectorEngine.Bench.Machine;

namespace VectorEngine.Bench.Commands;

/// <summary>
/// <c>bench machine</c>: measures this machine's memory hierarchy, cores and SIMD width once (seconds) and caches the
/// profile for <c>bench plan</c>; prints the cached one unless <c>--refresh</c>.
/// </summary>
internal static class MachineCommand
{
    public static Command Create()
    {
        var refresh = new Option<bool>("--refresh") { Description = "Measure again even when a profile of this machine is cached" };
        var cache = new Option<string>("--cache") { Description = "Profile file", DefaultValueFactory = _ => MachineProfileStore.DefaultPath };
        var largest = new Option<int>("--largest-mib") { Description = "Largest working set to measure (MiB): well beyond the last cache", DefaultValueFactory = _ => MachineProfileStore.DefaultLargestMiB };
        var budget = new Option<int>("--budget-ms") { Description = "Time spent on each working set (ms)", DefaultValueFactory = _ => MachineProfileStore.DefaultBudgetMilliseconds };
        var disk = new Option<string?>("--disk-dir") { Description = "A folder on the disk your data will live on: the disk probe writes a 512 MiB file there (default: the profile's folder)" };
        var child = new Option<string?>(DiskProbe.ChildOption) { Hidden = true };
        var command = new Command("machine", "Measure (once) and show this machine's memory latency and bandwidth per level, cores, SIMD width and disk reads") { refresh, cache, largest, budget, disk, child };
        command.SetAction(parse =>
        {
            if (parse.GetValue(child) is { } probeDirectory)
            {
                return DiskProbe.RunPressuredChild(probeDirectory);
            }

            int largestMiB = parse.GetValue(largest);
            int budgetMs = parse.GetValue(budget);
            if (largestMiB < 1 || budgetMs < 1)
            {
                throw new VectorEngineArgumentException($"--largest-mib and --budget-ms must be positive; got {largestMiB} and {budgetMs}.", "largest-mib");
            }

            string path = parse.GetValue(cache)!;
            bool cached = !parse.GetValue(refresh) && MachineProfileStore.TryLoad(path) is not null;
            MachineProfile profile = MachineProfileStore.LoadOrMeasure(path, parse.GetValue(refresh), (long)largestMiB << 20, TimeSpan.FromMilliseconds(budgetMs),
                line => AnsiConsole.WriteLine(line), parse.GetValue(disk));
            Print(profile, cached ? $"cached in {path}" : $"measured in {profile.Seconds:F1} s, saved to {path}");
            return 0;
        });
        return command;
    }

    public static void Print(MachineProfile profile, string source)
    {
        AnsiConsole.MarkupLineInterpolated($"[bold]{profile.CpuModel}[/]: {profile.LogicalCores} logical cores, {profile.SimdBits}-bit SIMD ({string.Join(", ", profile.InstructionSets)}), {MachineProbe.Size(profile.MemoryBytes)} ({source}, {profile.MeasuredAt:yyyy-MM-dd HH:mm} UTC)");
        var table = new Table().AddColumns("level", "capacity", "latency ns", "ns per load, 8 in flight", "read GB/s (1 core)");
        foreach (MemoryLevel level in profile.Levels)
        {
            table.AddRow(level.Name, level.CapacityBytes == long.MaxValue ? "-" : MachineProbe.Size(level.CapacityBytes), $"{level.Nanoseconds:F1}", $"{level.ParallelNanoseconds:F1}", $"{level.ReadGigabytesPerSecond:F1}");
        }

        AnsiConsole.Write(table);
        if (profile.Kernels.Count > 0)
        {
            AnsiConsole.MarkupLineInterpolated($"Distance kernel (squared L2, vectors in L1): {string.Join(", ", profile.Kernels.Select(k => $"{k.Dimension}-d {k.Nanoseconds:F1} ns"))}");
        }

        AnsiConsole.MarkupLineInterpolated($"Main memory, all {profile.LogicalCores} cores reading: {profile.MemoryReadGigabytesPerSecondAllCores:F1} GB/s");
        if (profile.Disk is { } disk)
        {
            string full = disk.FullCacheMissMicros is { } f ? $" ({f:F1} with the page cache full)"
                : disk.FullCacheUnmeasured is { } why ? $" (with the page cache full: not measured, {why})" : string.Empty;
            AnsiConsole.MarkupLineInterpolated($"Warm rescoring reads ({disk.Batch} float rows of {disk.RowBytes} B asked for at once): {disk.MissMicros:F1} µs per row from disk{full}, {disk.HitMicros:F1} µs from the page cache");
        }
    }
}
