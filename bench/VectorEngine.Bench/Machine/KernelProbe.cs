using System.Diagnostics;

namespace VectorEngine.Bench.Machine;

/// <summary>
/// Times the engine's squared-L2 kernel (<see cref="VectorDistance.SquaredL2"/>) on vectors that stay in L1: the part of
/// a scored vector's cost that grows with the dimension apart from reading the row, which the row-read surface prices.
/// </summary>
internal static class KernelProbe
{
    private static float _sink;
    private static bool _probed;

    /// <summary>Nanoseconds per distance at <paramref name="dimension"/>, timed for about <paramref name="budget"/>.</summary>
    public static double Nanoseconds(int dimension, TimeSpan budget)
    {
        // Eight vectors of at most 2,048 floats (64 KiB together): L1 and L2 on any current core. One query against each
        // in turn, as a beam scores its candidates.
        const int Vectors = 8;
        var random = new Random(dimension);
        float[] query = [.. Enumerable.Range(0, dimension).Select(_ => (float)random.NextDouble())];
        float[][] rows = [.. Enumerable.Range(0, Vectors).Select(_ => Enumerable.Range(0, dimension).Select(_ => (float)random.NextDouble()).ToArray())];
        float sink = 0;

        // The kernel's code paths differ by length, and each runs unoptimized until the runtime's tiering recompiles it
        // (100 ms and more after its first calls): every dimension is warmed before it is timed (without this, 32-d
        // to 128-d read 25-29 ns, slower than 256-d). The process's first probe waits longer: the loop itself tiers up too.
        TimeSpan warmUp = TimeSpan.FromMilliseconds(_probed ? 150 : 600);
        _probed = true;
        long warming = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(warming) < warmUp)
        {
            sink += Score(query, rows, 100);
        }

        // The fastest of five windows: a shared machine's interruptions only ever add time (one window read 512-d
        // faster than 384-d).
        double best = double.PositiveInfinity;
        for (int window = 0; window < 5; window++)
        {
            long calls = 0;
            long started = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(started) < budget / 5)
            {
                sink += Score(query, rows, 100);
                calls += 100L * Vectors;
            }

            best = Math.Min(best, Stopwatch.GetElapsedTime(started).TotalNanoseconds / Math.Max(1, calls));
        }

        Volatile.Write(ref _sink, sink);
        return best;
    }

    private static float Score(float[] query, float[][] rows, int passes)
    {
        float sum = 0;
        for (int pass = 0; pass < passes; pass++)
        {
            foreach (float[] row in rows)
            {
                sum += VectorDistance.SquaredL2(query, row);
            }
        }

        return sum;
    }
}
