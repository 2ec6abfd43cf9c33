using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace VectorEngine.Bench.Machine;

/// <summary>Measures this machine into a <see cref="MachineProfile"/> (a few seconds).</summary>
internal static class MachineProbe
{
    /// <summary>The smallest working set measured: inside any L1.</summary>
    public const long SmallestBytes = 16 << 10;

    /// <summary>Row sizes of the row-read surface: a 64-d float vector's to a 1024-d one's.</summary>
    public static readonly int[] RowSizes = [256, 1024, 4096];

    /// <summary>Rounds of the row surface by default (the fastest of each point's kept).</summary>
    public const int DefaultRowRounds = 3;

    /// <summary>Dimensions the kernel curve is measured at.</summary>
    public static readonly int[] KernelDimensions = [16, 32, 64, 128, 256, 384, 512, 768, 1024, 1536, 2048];

    /// <summary>
    /// Measures the latency curve from 16 KiB to <paramref name="largestBytes"/> (doubling), finds the levels, and reads
    /// each level's bandwidth; then random row reads of each of <see cref="RowSizes"/> from 16 KiB to four times
    /// <paramref name="largestBytes"/> (an index outgrows the page tables' reach too); <paramref name="budget"/> is spent
    /// on each point.
    /// </summary>
    /// <param name="largestBytes">The largest working set of the latency curve.</param>
    /// <param name="budget">Time per working set.</param>
    /// <param name="progress">Where each measured point is reported.</param>
    /// <param name="diskDirectory">A folder on the disk the data will live on (the disk probe writes 512 MiB there); null for the profile's own folder.</param>
    /// <param name="measureDisk">False to leave the disk out (a profile per sitting of in-memory searches).</param>
    /// <param name="rowRounds">
    /// Times the row surface is measured, every point in turn, each point keeping its fastest: a neighbour on a shared
    /// host only ever slows a read, and one short measurement per point moved jobs-minilm's row costs at 16-32 MiB 2x
    /// between the repetitions of one sitting, and its predictions with them (QPS -11% to -34% at 24k points), where the
    /// searches they predict keep their fastest of several rounds.
    /// </param>
    public static MachineProfile Measure(long largestBytes, TimeSpan budget, Action<string>? progress = null, string? diskDirectory = null, bool measureDisk = true,
        int rowRounds = DefaultRowRounds)
    {
        var clock = Stopwatch.StartNew();
        var curve = new List<LatencySample>();
        for (long bytes = SmallestBytes; bytes <= largestBytes; bytes *= 2)
        {
            double[] ns = MemoryProbe.ChaseNanoseconds(bytes, budget, 1, 8);
            var sample = new LatencySample(bytes, ns[0], ns[1]);
            curve.Add(sample);
            progress?.Invoke($"{Size(bytes),10}  {sample.Nanoseconds,7:F1} ns  {sample.ParallelNanoseconds,6:F1} ns with 8 in flight");
        }

        IReadOnlyList<RowSample> rows = RowSurface(largestBytes * 4, rowRounds, (bytes, rowBytes) => MemoryProbe.RowNanoseconds(bytes, rowBytes, budget),
            (bytes, samples) => progress?.Invoke($"{Size(bytes),10}  random rows of {string.Join(", ", samples.Select(r => $"{r.RowBytes} B: {r.Nanoseconds:F1} ns"))}"));

        var levels = MemoryLevels.Detect(curve)
            .Select(l => new MemoryLevel(l.Name, l.Capacity, l.Nanoseconds, l.ParallelNanoseconds, MemoryProbe.ReadGigabytesPerSecond(l.ProbeBytes, 1, budget * 2)))
            .ToList();
        double allCores = MemoryProbe.ReadGigabytesPerSecond(largestBytes, Environment.ProcessorCount, budget * 2);
        KernelSample[] kernels = [.. KernelDimensions.Select(d => new KernelSample(d, KernelProbe.Nanoseconds(d, budget)))];
        progress?.Invoke($"distance kernel in L1: {string.Join(", ", kernels.Select(k => $"{k.Dimension}-d {k.Nanoseconds:F1} ns"))}");
        DiskSample? disk = null;
        if (measureDisk)
        {
            string folder = diskDirectory ?? Path.GetDirectoryName(MachineProfileStore.DefaultPath)!;
            disk = DiskProbe.Measure(folder, fullCache: DiskProbe.MissMicrosWithFullCache(folder));
            if (disk is null)
            {
                progress?.Invoke($"disk: not measured ({folder} cannot take the probe's 512 MiB file, or this is not Linux); plans price rescoring reads as calibrated");
            }
            else
            {
                progress?.Invoke($"disk, {disk.Batch} rows of {disk.RowBytes} B asked for at once: {disk.MissMicros:F1} µs per row from disk ({(disk.FullCacheMissMicros is { } full ? full.ToString("F1", System.Globalization.CultureInfo.InvariantCulture) + " with the page cache full" : "with the page cache full not measured: " + disk.FullCacheUnmeasured)}), {disk.HitMicros:F1} µs from the page cache");
            }
        }

        return new MachineProfile
        {
            Key = CurrentKey(),
            CpuModel = CpuModel(),
            LogicalCores = Environment.ProcessorCount,
            SimdBits = SimdBits(),
            InstructionSets = InstructionSets(),
            MemoryBytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
            Curve = curve,
            Rows = rows,
            RowRounds = Math.Max(1, rowRounds),
            Levels = levels,
            Kernels = kernels,
            Disk = disk,
            MemoryReadGigabytesPerSecondAllCores = allCores,
            MeasuredAt = DateTimeOffset.UtcNow,
            Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <summary>
    /// The row surface from 16 KiB to <paramref name="largestBytes"/> (doubling) at each of <see cref="RowSizes"/>:
    /// <paramref name="rounds"/> passes over every point in turn, each point keeping its fastest reading.
    /// </summary>
    /// <param name="largestBytes">The largest working set.</param>
    /// <param name="rounds">Passes (at least one).</param>
    /// <param name="measure">Nanoseconds per row at a working set and row size.</param>
    /// <param name="measured">Called with each working set's rows after the last pass.</param>
    internal static IReadOnlyList<RowSample> RowSurface(long largestBytes, int rounds, Func<long, int, double> measure, Action<long, IReadOnlyList<RowSample>>? measured = null)
    {
        var rows = new List<RowSample>();
        int passes = Math.Max(1, rounds);
        for (int round = 0; round < passes; round++)
        {
            int at = 0;
            for (long bytes = SmallestBytes; bytes <= largestBytes; bytes *= 2)
            {
                foreach (int rowBytes in RowSizes)
                {
                    double ns = measure(bytes, rowBytes);
                    if (round == 0)
                    {
                        rows.Add(new RowSample(bytes, rowBytes, ns));
                    }
                    else if (ns < rows[at].Nanoseconds)
                    {
                        rows[at] = rows[at] with { Nanoseconds = ns };
                    }

                    at++;
                }

                if (round == passes - 1)
                {
                    measured?.Invoke(bytes, rows[(at - RowSizes.Length)..at]);
                }
            }
        }

        return rows;
    }

    /// <summary>The cache key of this machine as it is now.</summary>
    public static string CurrentKey() =>
        $"{CpuModel()} | {Environment.ProcessorCount} cores | {SimdBits()}-bit | {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes >> 30} GiB";

    public static string Size(double bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (1L << 30):0.#} GiB",
        >= 1L << 20 => $"{bytes / (1L << 20):0.#} MiB",
        _ => $"{bytes / 1024:0.#} KiB",
    };

    private static int SimdBits() =>
        Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 64;

    private static string[] InstructionSets()
    {
        var sets = new List<string>();
        void Add(bool supported, string name)
        {
            if (supported)
            {
                sets.Add(name);
            }
        }

        Add(Avx2.IsSupported, "AVX2");
        Add(Fma.IsSupported, "FMA");
        Add(Avx512F.IsSupported, "AVX-512F");
        Add(Avx512BW.IsSupported, "AVX-512BW");
        Add(AvxVnni.IsSupported, "AVX-VNNI");
        Add(AdvSimd.IsSupported, "NEON");
        Add(Dp.IsSupported, "NEON-DP");
        return [.. sets];
    }

    private static string CpuModel()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is int colon and > 0)
                {
                    return line[(colon + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
            // Not Linux: the architecture is what we can say.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
    }
}
