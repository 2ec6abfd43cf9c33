using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace VectorEngine.Bench.Machine;

/// <summary>
/// Measures the memory hierarchy the way lmbench does: a pointer chase through a random single cycle of cache lines
/// (each load's address comes from the one before, so prefetchers cannot help and the time per step is the latency of
/// whichever level holds the working set), the same with eight independent chains interleaved (what a search that
/// issues its neighbours' loads together pays per load), and a sequential read (bandwidth).
/// </summary>
internal static unsafe class MemoryProbe
{
    public const int LineBytes = 64;

    // Where the sums go, so the reads are not optimised away.
    private static long _sink;

    /// <summary>Nanoseconds per load over <paramref name="bytes"/> of lines: one dependent chain, or <paramref name="chains"/> (1 or 8) interleaved.</summary>
    public static double ChaseNanoseconds(long bytes, int chains, TimeSpan budget) => ChaseNanoseconds(bytes, budget, chains)[0];

    /// <summary>Nanoseconds per load over one random cycle of <paramref name="bytes"/>, for each chain count (1 or 8) in turn.</summary>
    public static double[] ChaseNanoseconds(long bytes, TimeSpan budget, params int[] chainCounts)
    {
        long lines = Math.Max(16, bytes / LineBytes);
        byte* buffer = (byte*)NativeMemory.AlignedAlloc((nuint)(lines * LineBytes), 4096);
        try
        {
            int[] order = BuildCycle(buffer, lines);
            var result = new double[chainCounts.Length];
            for (int c = 0; c < chainCounts.Length; c++)
            {
                int chains = chainCounts[c];
                if (chains is not (1 or 8))
                {
                    throw new ArgumentOutOfRangeException(nameof(chainCounts), chains, "1 or 8 chains.");
                }

                var starts = new byte*[chains];
                for (int i = 0; i < chains; i++)
                {
                    starts[i] = buffer + ((long)order[(int)(i * lines / chains)] * LineBytes);
                }

                Walk(starts, Math.Min(lines, 1L << 18));
                long steps = 0;
                long started = Stopwatch.GetTimestamp();
                const long Batch = 1 << 14;
                while (Stopwatch.GetElapsedTime(started) < budget)
                {
                    Walk(starts, Batch);
                    steps += Batch;
                }

                result[c] = Stopwatch.GetElapsedTime(started).TotalNanoseconds / (steps * (double)chains);
            }

            return result;
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }

    /// <summary>Sequential read bandwidth over <paramref name="bytes"/>, in GB/s, on <paramref name="threads"/> threads (each its own part).</summary>
    public static double ReadGigabytesPerSecond(long bytes, int threads, TimeSpan budget)
    {
        long part = Math.Max(4096, bytes / threads / 4096 * 4096);
        byte* buffer = (byte*)NativeMemory.AlignedAlloc((nuint)(part * threads), 4096);
        try
        {
            NativeMemory.Fill(buffer, (nuint)(part * threads), 1);

            long[] read = new long[threads];
            var ready = new Barrier(threads);
            double seconds = 0;
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                byte* start = buffer + (t * part);
                long sink = Sum(start, part);
                ready.SignalAndWait();

                // At least 1 MiB between clock reads, so a small working set measures the cache, not the clock.
                long passes = Math.Max(1, (1L << 20) / part);
                long began = Stopwatch.GetTimestamp();
                long total = 0;
                while (Stopwatch.GetElapsedTime(began) < budget)
                {
                    for (long pass = 0; pass < passes; pass++)
                    {
                        sink += Sum(start, part);
                    }

                    total += part * passes;
                }

                Volatile.Write(ref _sink, sink);
                read[t] = total;
                double elapsed = Stopwatch.GetElapsedTime(began).TotalSeconds;
                lock (read)
                {
                    seconds = Math.Max(seconds, elapsed);
                }
            });
            return read.Sum() / seconds / 1e9;
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }

    /// <summary>
    /// Nanoseconds per row read the way a graph search reads the vectors it scores: rows of <paramref name="rowBytes"/>
    /// at random places in <paramref name="bytes"/>, in batches of eight whose first lines are prefetched together,
    /// then each row read through. What a row costs beyond its first line depends on how the hardware streams the rest
    /// (within a page, across one), which neither the pointer chase nor the sequential read shows.
    /// </summary>
    public static double RowNanoseconds(long bytes, int rowBytes, TimeSpan budget)
    {
        long stride = (rowBytes + LineBytes - 1) / LineBytes * LineBytes;
        long rows = Math.Max(16, bytes / stride);
        byte* buffer = (byte*)NativeMemory.AlignedAlloc((nuint)(rows * stride), 4096);
        try
        {
            NativeMemory.Fill(buffer, (nuint)(rows * stride), 1);
            var random = new Random(12345);
            long[] offsets = new long[1 << 16];
            for (int i = 0; i < offsets.Length; i++)
            {
                offsets[i] = random.NextInt64(rows) * stride;
            }

            long sink = ReadRows(buffer, offsets, stride);
            long read = 0;
            long started = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(started) < budget)
            {
                sink += ReadRows(buffer, offsets, stride);
                read += offsets.Length;
            }

            Volatile.Write(ref _sink, sink);
            return Stopwatch.GetElapsedTime(started).TotalNanoseconds / Math.Max(1, read);
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }

    /// <summary>
    /// Links every line into one random cycle (Sattolo's shuffle); returns the cycle's order. Lines are written in
    /// address order (each gets its successor through the inverse order), so building costs streaming writes, not a
    /// cache miss per line.
    /// </summary>
    private static int[] BuildCycle(byte* buffer, long lines)
    {
        int[] order = new int[lines];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var random = new Random(12345);
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.Next(i);
            (order[i], order[j]) = (order[j], order[i]);
        }

        int[] position = new int[lines];
        for (int i = 0; i < order.Length; i++)
        {
            position[order[i]] = i;
        }

        for (long line = 0; line < lines; line++)
        {
            int next = order[(position[line] + 1) % order.Length];
            *(byte**)(buffer + (line * LineBytes)) = buffer + ((long)next * LineBytes);
        }

        return order;
    }

    // Fully optimised from the first call: a probe of 30 ms ends before tiered compilation replaces the tier-0 code
    // (measured: 16 KiB read at 12 GB/s on tier-0 code, below main memory's 29 GB/s measured after the tier-up).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Walk(byte*[] starts, long steps)
    {
        if (starts.Length == 1)
        {
            byte* p = starts[0];
            for (long i = 0; i < steps; i++)
            {
                p = *(byte**)p;
            }

            starts[0] = p;
            return;
        }

        byte* p0 = starts[0], p1 = starts[1], p2 = starts[2], p3 = starts[3], p4 = starts[4], p5 = starts[5], p6 = starts[6], p7 = starts[7];
        for (long i = 0; i < steps; i++)
        {
            p0 = *(byte**)p0;
            p1 = *(byte**)p1;
            p2 = *(byte**)p2;
            p3 = *(byte**)p3;
            p4 = *(byte**)p4;
            p5 = *(byte**)p5;
            p6 = *(byte**)p6;
            p7 = *(byte**)p7;
        }

        starts[0] = p0;
        starts[1] = p1;
        starts[2] = p2;
        starts[3] = p3;
        starts[4] = p4;
        starts[5] = p5;
        starts[6] = p6;
        starts[7] = p7;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long ReadRows(byte* buffer, long[] offsets, long stride)
    {
        long sum = 0;
        for (int batch = 0; batch + 8 <= offsets.Length; batch += 8)
        {
            if (System.Runtime.Intrinsics.X86.Sse.IsSupported)
            {
                for (int i = 0; i < 8; i++)
                {
                    System.Runtime.Intrinsics.X86.Sse.Prefetch0(buffer + offsets[batch + i]);
                }
            }

            for (int i = 0; i < 8; i++)
            {
                sum += Sum(buffer + offsets[batch + i], stride);
            }
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long Sum(byte* start, long bytes)
    {
        Vector256<long> a = Vector256<long>.Zero, b = Vector256<long>.Zero;
        long* p = (long*)start;
        long count = bytes / sizeof(long);
        for (long i = 0; i + 8 <= count; i += 8)
        {
            a += Vector256.Load(p + i);
            b += Vector256.Load(p + i + 4);
        }

        return Vector256.Sum(a + b);
    }
}
