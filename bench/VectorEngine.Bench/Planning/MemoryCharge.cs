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
    /// ends) and linearly in the row size (proportionally beyond the measured sizes). The surface reads its rows
    /// evenly; a search that reads some rows far more than others (<paramref name="skew"/>) finds more of its reads in
    /// the caches, and pays the even price scaled by what its reads cost against what even reads cost.
    /// </summary>
    public double Nanoseconds(double workingSetBytes, double rowBytes, ReadSkew? skew = null)
    {
        double even = Evenly(workingSetBytes, rowBytes);
        if (skew is null || workingSetBytes <= _sizes[0] || _sizes.Length < 2)
        {
            return even;
        }

        double[] marginal = Marginal(rowBytes);
        double evenly = Expected(marginal, cache => Math.Min(1, cache / workingSetBytes));
        return evenly > 0 ? even * Expected(marginal, cache => skew.HitShare(cache / workingSetBytes)) / evenly : even;
    }

    /// <summary>The surface's price of even reads.</summary>
    private double Evenly(double workingSetBytes, double rowBytes)
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

    /// <summary>The surface at its <paramref name="size"/>-th working set for rows of <paramref name="rowBytes"/>.</summary>
    private double AtSize(int size, double rowBytes)
    {
        if (_rowSizes.Length == 1 || rowBytes <= _rowSizes[0])
        {
            return _nanoseconds[size, 0] * rowBytes / _rowSizes[0];
        }

        int upper = 1;
        while (upper < _rowSizes.Length - 1 && rowBytes > _rowSizes[upper])
        {
            upper++;
        }

        double below = _nanoseconds[size, upper - 1], above = _nanoseconds[size, upper];
        double share = (rowBytes - _rowSizes[upper - 1]) / (_rowSizes[upper] - _rowSizes[upper - 1]);
        return Math.Max(1e-3, below + (share * (above - below)));
    }

    /// <summary>
    /// What a read costs by how far down the caches its row sits: even reads over S bytes cost the mean of this over the
    /// hottest S bytes, so between two measured working sets it is the change in (S times the cost) over the change in S.
    /// Kept non-decreasing (pooled over the spans where the surface's noise makes it fall): a row further down is never
    /// cheaper. Element i holds between working sets i-1 and i (element 0 up to the first); the last holds beyond.
    /// </summary>
    private double[] Marginal(double rowBytes)
    {
        int n = _sizes.Length;
        var values = new double[n];
        var weights = new double[n];
        for (int i = 0; i < n; i++)
        {
            double before = i == 0 ? 0 : _sizes[i - 1] * AtSize(i - 1, rowBytes);
            weights[i] = _sizes[i] - (i == 0 ? 0 : _sizes[i - 1]);
            values[i] = Math.Max(0, ((_sizes[i] * AtSize(i, rowBytes)) - before) / weights[i]);
        }

        // Pool adjacent violators: merge a span with the one before while it is cheaper, weighted by its bytes.
        var pooled = new List<(double Value, double Weight, int Count)>();
        for (int i = 0; i < n; i++)
        {
            (double value, double weight, int count) = (values[i], weights[i], 1);
            while (pooled.Count > 0 && pooled[^1].Value > value)
            {
                (double v, double w, int c) = pooled[^1];
                pooled.RemoveAt(pooled.Count - 1);
                value = ((v * w) + (value * weight)) / (w + weight);
                weight += w;
                count += c;
            }

            pooled.Add((value, weight, count));
        }

        return [.. pooled.SelectMany(p => Enumerable.Repeat(p.Value, p.Count))];
    }

    /// <summary>The mean cost of a read when a cache of each working set's size serves <paramref name="hit"/> of the reads.</summary>
    private double Expected(double[] marginal, Func<double, double> hit)
    {
        double cost = 0, served = 0;
        for (int i = 0; i < marginal.Length - 1; i++)
        {
            double within = Math.Max(served, hit(_sizes[i]));
            cost += marginal[i] * (within - served);
            served = within;
        }

        return cost + (marginal[^1] * (1 - served));
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
