namespace VectorEngine.Bench.Machine;

/// <summary>
/// Finds the levels of a memory hierarchy in a latency curve: runs of working sets at about the same latency
/// (plateaus) separated by jumps. A VM's reported cache sizes can be fiction (this project's machine reports a 508 MiB
/// L3), so the capacities come from the curve: what the process actually gets.
/// </summary>
internal static class MemoryLevels
{
    /// <summary>Latency rising by more than this from one working set to the next (twice the size) is a jump.</summary>
    public const double JumpRatio = 1.25;

    /// <summary>Plateaus of <paramref name="curve"/> (sorted by size, each size double the one before), innermost first; the last is main memory.</summary>
    /// <returns>(name, capacity, latency, parallel latency, the size to measure bandwidth at) per level.</returns>
    public static IReadOnlyList<(string Name, long Capacity, double Nanoseconds, double ParallelNanoseconds, long ProbeBytes)> Detect(IReadOnlyList<LatencySample> curve)
    {
        if (curve.Count < 2)
        {
            throw new ArgumentException("A latency curve needs two or more working sets.", nameof(curve));
        }

        // Runs of working sets linked by small rises are levels; a point with a jump on both sides is on the way from
        // one level to the next and belongs to neither (real levels differ in size by 8x or more: several doublings).
        // The first point is a level even alone (the curve starts inside L1), and so is the last (main memory, still
        // rising with TLB misses when the curve ends).
        var runs = new List<List<LatencySample>> { new() { curve[0] } };
        for (int i = 1; i < curve.Count; i++)
        {
            if (curve[i].Nanoseconds > curve[i - 1].Nanoseconds * JumpRatio)
            {
                runs.Add([]);
            }

            runs[^1].Add(curve[i]);
        }

        List<List<LatencySample>> plateaus = [.. runs.Where((run, index) => run.Count > 1 || index == 0 || index == runs.Count - 1)];

        var levels = new List<(string, long, double, double, long)>();
        for (int p = 0; p < plateaus.Count; p++)
        {
            List<LatencySample> points = plateaus[p];
            bool memory = p == plateaus.Count - 1;
            double ns = Reports.Statistics.Median(points.Select(s => s.Nanoseconds));
            double parallel = Reports.Statistics.Median(points.Select(s => s.ParallelNanoseconds));
            long capacity = memory ? long.MaxValue : points[^1].Bytes;
            long probe = memory ? points[^1].Bytes : points[points.Count / 2].Bytes;
            levels.Add((memory ? "memory" : $"L{p + 1}", capacity, ns, parallel, probe));
        }

        return levels;
    }
}
