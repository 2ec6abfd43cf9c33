using System.Diagnostics;

namespace VectorEngine.Bench.Runs;

/// <summary>
/// What else happened over a timed stretch: the garbage collector's pauses and collections per generation, and the CPU
/// time the process got. A timing pinned to one CPU shares it with the collector's threads, and on a shared VM with
/// whatever the host runs; a slow timing whose process got all its CPU and paused little was slowed in the memory
/// system, not by the process's own garbage.
/// </summary>
internal readonly record struct TimedStretch(double PauseSeconds, int[] Collections, double CpuSeconds)
{
    /// <summary>The counters now, to be subtracted by <see cref="Stop"/>.</summary>
    public static TimedStretch Start() => new(GC.GetTotalPauseDuration().TotalSeconds, Counts(), Cpu());

    /// <summary>What happened since this start.</summary>
    public TimedStretch Stop()
    {
        int[] now = Counts(), before = Collections;
        return new(GC.GetTotalPauseDuration().TotalSeconds - PauseSeconds, [.. now.Select((c, g) => c - before[g])], Cpu() - CpuSeconds);
    }

    private static int[] Counts() => [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];

    private static double Cpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalSeconds;
    }
}
