using VectorEngine.Bench.Machine;

namespace VectorEngine.Bench.Planning;

/// <summary>
/// What reading one scored vector costs on this machine at an index's working set, read off <c>bench machine</c>'s
/// row-read surface: random rows, a batch of eight prefetched together and each read through, as the graph search
/// reads them. Inside a cache a row costs a few nanoseconds; beyond the last level, and again beyond the page tables'
/// reach, it costs many times more, which is why one power law fitted inside the cache mispredicts an index outside it.
/// </summary>
internal sealed class MemoryCharge
{
    private readonly long[] _sizes;
    private readonly int[] _rowSizes;
    private readonly double[,] _nanoseconds;

    /// <summary>The charge of the machine <paramref name="profile"/> describes.</summary>
    /// <exception cref="ArgumentException">The profile has no row-read surface.</exception>
    public MemoryCharge(MachineProfile profile)
    {
        if (profile.Rows.Count == 0)
        {
            throw new ArgumentException("The machine profile has no row reads: measure it again (bench machine --refresh).", nameof(profile));
        }

        _sizes = [.. profile.Rows.Select(r => r.Bytes).Distinct().Order()];
        _rowSizes = [.. profile.Rows.Select(r => r.RowBytes).Distinct().Order()];
        _nanoseconds = new double[_sizes.Length, _rowSizes.Length];
        foreach (RowSample row in profile.Rows)
        {
            _nanoseconds[Array.IndexOf(_sizes, row.Bytes), Array.IndexOf(_rowSizes, row.RowBytes)] = row.Nanoseconds;
        }
    }

    /// <summary>
    /// Nanoseconds per scored row of <paramref name="rowBytes"/> in an index whose working set is
    /// <paramref name="workingSetBytes"/>: interpolated in log-log along the working set (flat past the surface's
    /// ends) and linearly in the row size (proportionally beyond the measured sizes).
    /// </summary>
    public double Nanoseconds(double workingSetBytes, double rowBytes)
    {
        (int low, int high, double t) = Bracket(_sizes.Select(s => Math.Log(s)).ToArray(), Math.Log(Math.Max(workingSetBytes, 1)));
        double AtRow(int row) => Math.Exp(Math.Log(_nanoseconds[low, row]) + (t * (Math.Log(_nanoseconds[high, row]) - Math.Log(_nanoseconds[low, row]))));
        if (_rowSizes.Length == 1 || rowBytes <= _rowSizes[0])
        {
            return AtRow(0) * rowBytes / _rowSizes[0];
        }

        int upper = 1;
        while (upper < _rowSizes.Length - 1 && rowBytes > _rowSizes[upper])
        {
            upper++;
        }

        double below = AtRow(upper - 1), above = AtRow(upper);
        double share = (rowBytes - _rowSizes[upper - 1]) / (_rowSizes[upper] - _rowSizes[upper - 1]);
        return Math.Max(0, below + (share * (above - below)));
    }

    /// <summary>The neighbouring indexes of <paramref name="x"/> in ascending <paramref name="xs"/> and the position between them (clamped to the ends).</summary>
    private static (int Low, int High, double T) Bracket(double[] xs, double x)
    {
        if (xs.Length == 1 || x <= xs[0])
        {
            return (0, 0, 0);
        }

        for (int i = 1; i < xs.Length; i++)
        {
            if (x <= xs[i])
            {
                return (i - 1, i, (x - xs[i - 1]) / (xs[i] - xs[i - 1]));
            }
        }

        return (xs.Length - 1, xs.Length - 1, 0);
    }
}
