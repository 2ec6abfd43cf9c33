using VectorEngine.Bench.Runs;

namespace VectorEngine.Bench.Planning;

/// <summary>
/// How much of an index's reads a cache holding part of it serves, given how unevenly the search reads its rows
/// (<see cref="VisitShares"/>). A least-recently-used cache under reads drawn independently with per-row
/// probabilities is priced by Che's approximation: the cache keeps the rows read within a characteristic time τ, so
/// it holds Σ (1 - e^(-p τ)) rows and serves Σ p (1 - e^(-p τ)) of the reads. Under even reads that is its share of
/// the rows, which is what the machine's row-read surface measures; the hot rows of a graph (hubs, the upper layers'
/// entry points) lift it above that.
/// </summary>
internal sealed class ReadSkew
{
    private readonly double[] _rows;
    private readonly double[] _reads;

    private ReadSkew(double[] rows, double[] reads)
    {
        _rows = rows;
        _reads = reads;
    }

    /// <summary>The skew of <paramref name="shares"/>: its steps as groups of rows, each read evenly within.</summary>
    public static ReadSkew Of(VisitShares shares)
    {
        int steps = shares.Rows.Length;
        var rows = new double[steps];
        var reads = new double[steps];
        for (int i = 0; i < steps; i++)
        {
            rows[i] = shares.Rows[i] - (i == 0 ? 0 : shares.Rows[i - 1]);
            reads[i] = Math.Max(0, shares.Visits[i] - (i == 0 ? 0 : shares.Visits[i - 1]));
        }

        return new ReadSkew(rows, reads);
    }

    /// <summary>Reads spread evenly over the rows: a cache serves its share of them.</summary>
    public static ReadSkew Even { get; } = new([1], [1]);

    /// <summary>The share of reads a cache holding <paramref name="cachedShare"/> of the rows serves.</summary>
    public double HitShare(double cachedShare)
    {
        if (cachedShare >= 1)
        {
            return 1;
        }

        if (cachedShare <= 0)
        {
            return 0;
        }

        // The rows kept grow with τ from none to every row read at all; bisect ln τ for the cache's size.
        double low = -30, high = 40;
        for (int i = 0; i < 100 && high - low > 1e-9; i++)
        {
            double mid = (low + high) / 2;
            if (Kept(Math.Exp(mid)) < cachedShare)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        double tau = Math.Exp((low + high) / 2);
        double served = 0;
        for (int i = 0; i < _rows.Length; i++)
        {
            if (_rows[i] > 0)
            {
                served += _reads[i] * -double.ExpM1(-_reads[i] / _rows[i] * tau);
            }
        }

        return Math.Min(1, served);
    }

    /// <summary>The share of the rows a cache of characteristic time <paramref name="tau"/> (in reads per row) keeps.</summary>
    private double Kept(double tau)
    {
        double kept = 0;
        for (int i = 0; i < _rows.Length; i++)
        {
            if (_rows[i] > 0)
            {
                kept += _rows[i] * -double.ExpM1(-_reads[i] / _rows[i] * tau);
            }
        }

        return kept;
    }
}
