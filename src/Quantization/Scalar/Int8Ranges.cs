using VectorEngine.Indexing;

namespace VectorEngine.Quantization.Scalar;

/// <summary>
/// The value ranges of a sample of rows at several central quantiles, per dimension and over all values, measured once
/// so that every candidate codebook of a calibration is a lookup rather than another pass over the sample.
/// </summary>
internal sealed class Int8Ranges
{
    /// <summary>Most dimensions kept as floats.</summary>
    public const int MaxOutliers = 8;

    /// <summary>How many times the median dimension's spread makes a dimension an outlier.</summary>
    public const float OutlierSpread = 4f;

    // [quantile][dimension] bounds; the collection-wide bounds per quantile.
    private readonly float[][] _low;
    private readonly float[][] _high;
    private readonly float[] _allLow;
    private readonly float[] _allHigh;
    private readonly float[] _restLow;
    private readonly float[] _restHigh;

    private Int8Ranges(double[] quantiles, float[][] low, float[][] high, (float[] Low, float[] High) all, (float[] Low, float[] High) rest, int[] outliers)
    {
        Quantiles = quantiles;
        _low = low;
        _high = high;
        (_allLow, _allHigh) = all;
        (_restLow, _restHigh) = rest;
        Outliers = outliers;
    }

    /// <summary>
    /// The dimensions whose standard deviation is over <see cref="OutlierSpread"/> times the median dimension's, widest
    /// first, at most <see cref="MaxOutliers"/>; ascending.
    /// </summary>
    public int[] Outliers { get; }

    /// <summary>The quantiles measured, in the order given.</summary>
    public double[] Quantiles { get; }

    /// <summary>Measures <paramref name="quantiles"/> over the rows <paramref name="rows"/> of <paramref name="store"/>.</summary>
    public static Int8Ranges Measure(IVectorStore store, uint[] rows, double[] quantiles)
    {
        int dim = store.Dimension;
        int n = rows.Length;
        float[][] low = quantiles.Select(_ => new float[dim]).ToArray();
        float[][] high = quantiles.Select(_ => new float[dim]).ToArray();
        var deviation = new double[dim];
        Parallel.For(0, dim, () => new float[n], (d, _, column) =>
        {
            double sum = 0, squares = 0;
            for (int i = 0; i < n; i++)
            {
                float value = store.GetVector(rows[i])[d];
                column[i] = value;
                sum += value;
                squares += (double)value * value;
            }

            double mean = n == 0 ? 0 : sum / n;
            deviation[d] = n == 0 ? 0 : Math.Sqrt(Math.Max(0, (squares / n) - (mean * mean)));

            Array.Sort(column);
            for (int q = 0; q < quantiles.Length; q++)
            {
                (low[q][d], high[q][d]) = Bounds(column, quantiles[q]);
            }

            return column;
        }, _ => { });

        // Spread as the standard deviation: the extremes of the small dimensions can be wide (a normalised vector whose
        // dominant value happens to be small) while their bulk is narrow.
        double median = deviation.Order().ElementAt(dim / 2);
        int[] outliers = Enumerable.Range(0, dim)
            .Where(d => deviation[d] > OutlierSpread * median && dim > MaxOutliers)
            .OrderByDescending(d => deviation[d]).Take(MaxOutliers).Order().ToArray();
        return new Int8Ranges(quantiles, low, high, Overall(store, rows, quantiles, []), Overall(store, rows, quantiles, outliers), outliers);
    }

    /// <summary>Bounds over all values of the dimensions not in <paramref name="excluded"/>; ~2M values are enough to place them.</summary>
    private static (float[] Low, float[] High) Overall(IVectorStore store, uint[] rows, double[] quantiles, int[] excluded)
    {
        int dim = store.Dimension;
        int n = rows.Length;
        int step = Math.Max(1, (int)((long)n * dim / 2_000_000));
        var values = new List<float>();
        for (long k = 0; k < (long)n * dim; k += step)
        {
            int d = (int)(k % dim);
            if (Array.IndexOf(excluded, d) < 0)
            {
                values.Add(store.GetVector(rows[k / dim])[d]);
            }
        }

        float[] all = values.ToArray();
        Array.Sort(all);
        var low = new float[quantiles.Length];
        var high = new float[quantiles.Length];
        for (int q = 0; q < quantiles.Length; q++)
        {
            (low[q], high[q]) = Bounds(all, quantiles[q]);
        }

        return (low, high);
    }

    /// <summary>
    /// The codebook with one range per dimension or one for all, at the quantile measured at <paramref name="quantileIndex"/>,
    /// with or without <see cref="Outliers"/> kept as floats (one range for all then spans the other dimensions only).
    /// </summary>
    public Int8Codebook Codebook(Int8Granularity granularity, int quantileIndex, bool withOutliers)
    {
        (float[] allLow, float[] allHigh) = withOutliers ? (_restLow, _restHigh) : (_allLow, _allHigh);
        int dim = _low[quantileIndex].Length;
        var offsets = new float[dim];
        var scales = new float[dim];
        for (int d = 0; d < dim; d++)
        {
            (float lo, float hi) = granularity == Int8Granularity.Dimension
                ? (_low[quantileIndex][d], _high[quantileIndex][d])
                : (allLow[quantileIndex], allHigh[quantileIndex]);
            (offsets[d], scales[d]) = (Half(lo, hi), hi > lo ? (hi - lo) / (2 * Int8Codebook.MaxCode) : 1f);
        }

        return new Int8Codebook(offsets, scales, withOutliers ? Outliers : []);
    }

    private static float Half(float lo, float hi) => (lo + hi) / 2;

    private static (float Low, float High) Bounds(float[] sorted, double quantile)
    {
        if (sorted.Length == 0)
        {
            return (0f, 0f);
        }

        double tail = (1.0 - quantile) / 2.0;
        return (sorted[(int)Math.Floor(tail * (sorted.Length - 1))], sorted[(int)Math.Ceiling((1.0 - tail) * (sorted.Length - 1))]);
    }
}
