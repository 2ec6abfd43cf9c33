using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using VectorEngine.Storage;

namespace VectorEngine.Bench.Machine;

/// <summary>
/// Times a warm segment's rescoring reads on this machine's disk, the way the engine makes them: a batch of scattered
/// float rows is asked for at once (madvise WILLNEED on the file's mapping, read-ahead off), then each row is read
/// with pread. Run once on rows just dropped from the page cache (each read waits for the disk) and once more on the
/// same rows (each a copy out of the page cache). Linux only: elsewhere the page cache cannot be dropped per file.
/// </summary>
internal static partial class DiskProbe
{
    /// <summary>Rows of a 384-d float vector with its padding: the text embeddings warm tiers hold.</summary>
    public const int RowBytes = 1536;

    /// <summary>Rows asked for at once: the engine rescores about 2k candidates per segment, k = 10.</summary>
    public const int Batch = 20;

    /// <summary>The probe file's size: large enough that rows rarely share a page.</summary>
    public const long DefaultFileBytes = 512L << 20;

    private const int PosixFadviseDontNeed = 4;

    /// <summary>The sample, or null off Linux or when the folder cannot take the probe's file.</summary>
    /// <param name="directory">A folder on the disk the data will live on.</param>
    /// <param name="batches">Batches per pass.</param>
    /// <param name="fileBytes">The probe file's size.</param>
    /// <param name="fullCache">The miss with the page cache full, measured apart (<see cref="MissMicrosWithFullCache"/>).</param>
    public static DiskSample? Measure(string directory, int batches = 150, long fileBytes = DefaultFileBytes, FullCacheProbe? fullCache = null)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        string path = Path.Combine(directory, $"disk-probe-{Environment.ProcessId}.bin");
        try
        {
            Directory.CreateDirectory(directory);
            Write(path, fileBytes);
            using SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            if (PosixFadvise((int)file.DangerousGetHandle(), 0, 0, PosixFadviseDontNeed) != 0)
            {
                return null;
            }

            using IMappedFile mapping = LocalFileSystem.Instance.MapReadOnly(path);
            mapping.Advise(MappedAccess.Sparse);
            long rows = fileBytes / RowBytes;
            var random = new Random(7);
            long[] order = [.. Enumerable.Range(0, batches * Batch).Select(_ => random.NextInt64(rows))];
            byte[] row = new byte[RowBytes];
            double cold = MicrosPerRow(file, mapping, order, row);
            double cached = MicrosPerRow(file, mapping, order, row);
            return new DiskSample(RowBytes, Batch, cold, cached, fullCache?.Micros, fullCache?.Unmeasured);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        finally
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
    }

    /// <summary>
    /// The cost of a row read from disk while the page cache is full, as on a node whose rows outgrow its memory: every
    /// page read in first has another reclaimed. Measured in a child process held in a memory cgroup of
    /// <see cref="PressureRoomBytes"/>, whose cache a sequential read of the probe file fills first.
    /// Unmeasured, with the reason, where no cgroup can be made (not Linux, no writable cgroup v1 memory hierarchy) or
    /// the child fails.
    /// </summary>
    /// <param name="directory">A folder on the disk the data will live on.</param>
    public static FullCacheProbe MissMicrosWithFullCache(string directory)
    {
        long limit = PressureRoomBytes;
        using Synthetic.CgroupLimit? cgroup = Synthetic.CgroupLimit.TryCreate(limit);
        if (cgroup is null)
        {
            return new FullCacheProbe(null, "no writable cgroup memory hierarchy to hold the probe's page cache");
        }

        ProcessStartInfo start = Processes.BenchChild.StartInfo(["machine", ChildOption, directory]);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment[Synthetic.CgroupLimit.EnvironmentVariable] = cgroup.Path;
        using Process child = Process.Start(start)!;
        Task<string> errors = child.StandardError.ReadToEndAsync();
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0)
        {
            string first = errors.GetAwaiter().GetResult().Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "no message";
            return new FullCacheProbe(null, $"the probe's child exited {child.ExitCode}: {(first.Length > 200 ? first[..200] : first)}");
        }

        return double.TryParse(output.Trim(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double micros)
            ? new FullCacheProbe(micros, null)
            : new FullCacheProbe(null, $"the probe's child printed no figure ('{output.Trim()}')");
    }

    /// <summary>The hidden option of <c>bench machine</c> that runs <see cref="RunPressuredChild"/>.</summary>
    public const string ChildOption = "--disk-probe-child";

    /// <summary>The child's side of <see cref="MissMicrosWithFullCache"/>: joins the cgroup, fills it, prints µs per row.</summary>
    public static int RunPressuredChild(string directory)
    {
        Synthetic.CgroupLimit.JoinFromEnvironment();
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, $"disk-probe-full-{Environment.ProcessId}.bin");
        try
        {
            Write(path, DefaultFileBytes);
            using SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            using IMappedFile mapping = LocalFileSystem.Instance.MapReadOnly(path);
            mapping.Advise(MappedAccess.Sparse);

            // Read it all once: the cgroup's cache ends full, holding the file's last pages, every earlier one reclaimed.
            byte[] chunk = new byte[1 << 20];
            for (long at = 0; at < DefaultFileBytes; at += chunk.Length)
            {
                RandomAccess.Read(file, chunk, at);
            }

            long rows = DefaultFileBytes / 2 / RowBytes;
            var random = new Random(13);
            long[] order = [.. Enumerable.Range(0, 150 * Batch).Select(_ => random.NextInt64(rows))];
            Console.WriteLine(MicrosPerRow(file, mapping, order, new byte[RowBytes]).ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            return 0;
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// The child's cgroup limit: what it allocates after joining (its runtime's memory stays charged where it started)
    /// and a page cache of a small share of the probe file.
    /// </summary>
    private const long PressureRoomBytes = 128L << 20;

    private static unsafe double MicrosPerRow(SafeFileHandle file, IMappedFile mapping, long[] order, byte[] row)
    {
        var clock = Stopwatch.StartNew();
        for (int from = 0; from < order.Length; from += Batch)
        {
            ReadOnlySpan<long> batch = order.AsSpan(from, Math.Min(Batch, order.Length - from));
            foreach (long r in batch)
            {
                MemoryAdvice.WillNeed((byte*)mapping.Address + (r * RowBytes), RowBytes);
            }

            foreach (long r in batch)
            {
                RandomAccess.Read(file, row, r * RowBytes);
            }
        }

        return clock.Elapsed.TotalMicroseconds / order.Length;
    }

    /// <summary>Random bytes, so no layer below can store the file as holes or dedupe it, then forced to the disk.</summary>
    private static void Write(string path, long fileBytes)
    {
        byte[] chunk = new byte[4 << 20];
        new Random(11).NextBytes(chunk);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        for (long written = 0; written < fileBytes; written += chunk.Length)
        {
            chunk[0]++;
            stream.Write(chunk);
        }

        stream.Flush(flushToDisk: true);
    }

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(int fd, long offset, long length, int advice);
}

/// <summary>What a warm segment's rescoring pays per float row on this machine's disk.</summary>
/// <param name="RowBytes">Bytes per row read.</param>
/// <param name="Batch">Rows asked for at once before the first is read.</param>
/// <param name="MissMicros">Per row when none was in the page cache, with memory free.</param>
/// <param name="HitMicros">Per row when all were.</param>
/// <param name="FullCacheMissMicros">
/// Per row when none was and the page cache was full (each page read in has another reclaimed first): what a node
/// whose rows outgrow its memory pays. Null where it could not be measured.
/// </param>
/// <param name="FullCacheUnmeasured">Why <paramref name="FullCacheMissMicros"/> is null (no cgroup, the child failed).</param>
internal sealed record DiskSample(int RowBytes, int Batch, double MissMicros, double HitMicros, double? FullCacheMissMicros = null, string? FullCacheUnmeasured = null)
{
    /// <summary>
    /// Per row when <paramref name="cachedShare"/> of the rows are in the page cache (0 to 1). Below 1 the cache is full,
    /// so a miss costs <see cref="FullCacheMissMicros"/> where it was measured.
    /// </summary>
    public double MicrosPerRow(double cachedShare) => HitMicros + ((1 - Math.Clamp(cachedShare, 0, 1)) * ((FullCacheMissMicros ?? MissMicros) - HitMicros));
}

/// <summary>The full-cache miss, or why it was not measured.</summary>
/// <param name="Micros">Per row with the page cache full; null when not measured.</param>
/// <param name="Unmeasured">Why not, when <paramref name="Micros"/> is null.</param>
internal readonly record struct FullCacheProbe(double? Micros, string? Unmeasured);
