namespace VectorEngine.Bench.Machine;

/// <summary>
/// What <c>bench machine</c> measured about this machine: cores, SIMD width, and the memory hierarchy as a search sees
/// it (latency, latency with eight loads in flight, and read bandwidth of each level, with the capacity each level
/// really offers this process), and the disk as a warm segment's rescoring reads it. The cost model charges a query by
/// the level its working set lives in, and a warm tier's float rows by where they are read from.
/// </summary>
internal sealed record MachineProfile
{
    /// <summary>Current format; a cached profile of another version is measured again.</summary>
    public const int CurrentVersion = 4;

    /// <summary>Format version.</summary>
    public int Version { get; init; } = CurrentVersion;

    /// <summary>What identifies the machine for the cache: CPU model, logical cores, SIMD width, memory.</summary>
    public required string Key { get; init; }

    /// <summary>The CPU's model name.</summary>
    public required string CpuModel { get; init; }

    /// <summary>Logical cores this process may use.</summary>
    public required int LogicalCores { get; init; }

    /// <summary>Widest vector the runtime accelerates (bits).</summary>
    public required int SimdBits { get; init; }

    /// <summary>Instruction sets the distance kernels may use.</summary>
    public required IReadOnlyList<string> InstructionSets { get; init; }

    /// <summary>Memory the runtime may use (bytes).</summary>
    public required long MemoryBytes { get; init; }

    /// <summary>The latency curve: working set against nanoseconds per load.</summary>
    public required IReadOnlyList<LatencySample> Curve { get; init; }

    /// <summary>Random row reads (a batch of eight prefetched, each read through): working set and row size against nanoseconds per row.</summary>
    public required IReadOnlyList<RowSample> Rows { get; init; }

    /// <summary>Rounds the row surface was measured in, each point the fastest of them (1 in profiles from before rounds).</summary>
    public int RowRounds { get; init; } = 1;

    /// <summary>The levels found in <see cref="Curve"/>, innermost first; the last is main memory.</summary>
    public required IReadOnlyList<MemoryLevel> Levels { get; init; }

    /// <summary>The engine's distance kernel on vectors already in L1, by dimension (empty in profiles of version 2).</summary>
    public IReadOnlyList<KernelSample> Kernels { get; init; } = [];

    /// <summary>
    /// A warm segment's rescoring reads on the disk the profile was measured on (version 4 on; null off Linux): what a
    /// float row costs read from disk and from the page cache.
    /// </summary>
    public DiskSample? Disk { get; init; }

    /// <summary>Main-memory read bandwidth with every core reading (GB/s).</summary>
    public required double MemoryReadGigabytesPerSecondAllCores { get; init; }

    /// <summary>When it was measured.</summary>
    public required DateTimeOffset MeasuredAt { get; init; }

    /// <summary>How long the measurement took (s).</summary>
    public required double Seconds { get; init; }

    /// <summary>The innermost level whose capacity holds <paramref name="workingSetBytes"/> (main memory when none does).</summary>
    public MemoryLevel LevelFor(double workingSetBytes) => Levels.FirstOrDefault(l => l.CapacityBytes >= workingSetBytes) ?? Levels[^1];

    /// <summary>The outermost cache's capacity (bytes).</summary>
    public long LastLevelCacheBytes => Levels.Count > 1 ? Levels[^2].CapacityBytes : 0;
}

/// <summary>One point of the latency curve.</summary>
/// <param name="Bytes">Working set.</param>
/// <param name="Nanoseconds">Per load, each depending on the one before.</param>
/// <param name="ParallelNanoseconds">Per load, eight independent chains interleaved.</param>
internal sealed record LatencySample(long Bytes, double Nanoseconds, double ParallelNanoseconds);

/// <summary>One point of the row-read surface.</summary>
/// <param name="Bytes">Working set.</param>
/// <param name="RowBytes">Bytes per row.</param>
/// <param name="Nanoseconds">Per row read.</param>
internal sealed record RowSample(long Bytes, int RowBytes, double Nanoseconds);

/// <summary>One point of the kernel curve.</summary>
/// <param name="Dimension">Floats per vector.</param>
/// <param name="Nanoseconds">Per squared-L2 distance between two vectors in L1.</param>
internal sealed record KernelSample(int Dimension, double Nanoseconds);

/// <summary>One level of the memory hierarchy as measured.</summary>
/// <param name="Name">L1, L2, L3, ... or "memory".</param>
/// <param name="CapacityBytes">The largest working set measured at this level's latency (long.MaxValue for main memory).</param>
/// <param name="Nanoseconds">Latency of a dependent load.</param>
/// <param name="ParallelNanoseconds">Time per load with eight in flight.</param>
/// <param name="ReadGigabytesPerSecond">Sequential read bandwidth of one core (GB/s).</param>
internal sealed record MemoryLevel(string Name, long CapacityBytes, double Nanoseconds, double ParallelNanoseconds, double ReadGigabytesPerSecond);
