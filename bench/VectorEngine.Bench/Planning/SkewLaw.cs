using System.Globalization;
using VectorEngine.Bench.Runs;

namespace VectorEngine.Bench.Planning;

/// <summary>
/// How the read skew of the calibration's searches (<see cref="VisitShares"/>) moves to another size and ef: per swept
/// ef, each step's share of the reads as a line in ln n over the calibration sizes, and between swept efs, interpolated
/// in ln ef. The hottest rows take more of the reads as the index grows (jobs-minilm at ef=40: the hottest quarter took
/// 46% of them at 1.5k points, 57% at 24k) and fewer as the beam widens (at 24k: 60% at ef=16, 54% at ef=128).
/// </summary>
internal sealed class SkewLaw
{
    private readonly int[] _efs;
    private readonly double[] _rows;
    private readonly (double Intercept, double Slope)[][] _lines;

    private SkewLaw(int[] efs, double[] rows, (double, double)[][] lines)
    {
        _efs = efs;
        _rows = rows;
        _lines = lines;
    }

    /// <summary>The law of <paramref name="runs"/> (ef, points, shares), or null when any lacks its shares or no ef was measured at two sizes.</summary>
    public static SkewLaw? TryFit(IReadOnlyList<(int Ef, int Points, VisitShares? Shares)> runs)
    {
        if (runs.Count == 0 || runs.Any(r => r.Shares is null) || runs.Select(r => r.Shares!.Rows.Length).Distinct().Count() != 1)
        {
            return null;
        }

        double[] rows = runs[0].Shares!.Rows;
        var efs = new List<int>();
        var lines = new List<(double, double)[]>();
        foreach (IGrouping<int, (int Ef, int Points, VisitShares? Shares)> atEf in runs.GroupBy(r => r.Ef).OrderBy(g => g.Key))
        {
            (int Ef, int Points, VisitShares? Shares)[] sized = [.. atEf.OrderBy(r => r.Points)];
            if (sized.Select(r => r.Points).Distinct().Count() < 2)
            {
                continue;
            }

            double[] logPoints = [.. sized.Select(r => Math.Log(r.Points))];
            efs.Add(atEf.Key);
            lines.Add([.. rows.Select((_, step) => MathNet.Numerics.Fit.Line(logPoints, [.. sized.Select(r => r.Shares!.Visits[step])]))]);
        }

        return efs.Count == 0 ? null : new SkewLaw([.. efs], rows, [.. lines]);
    }

    /// <summary>The skew of a search at <paramref name="ef"/> over an index of <paramref name="points"/>.</summary>
    public ReadSkew At(double points, double ef)
    {
        double[] Curve(int i) => [.. _lines[i].Select(line => line.Intercept + (line.Slope * Math.Log(points)))];
        double[] visits;
        if (_efs.Length == 1 || ef <= _efs[0])
        {
            visits = Curve(0);
        }
        else if (ef >= _efs[^1])
        {
            visits = Curve(_efs.Length - 1);
        }
        else
        {
            int upper = 1;
            while (ef > _efs[upper])
            {
                upper++;
            }

            double t = (Math.Log(ef) - Math.Log(_efs[upper - 1])) / (Math.Log(_efs[upper]) - Math.Log(_efs[upper - 1]));
            double[] low = Curve(upper - 1), high = Curve(upper);
            visits = [.. low.Select((v, i) => v + (t * (high[i] - v)))];
        }

        // A line carried beyond its sizes may leave what a share can be: the hottest rows read at least their share of
        // the reads, at most all of them, and a larger group of rows no fewer than a smaller one.
        double floor = 0;
        for (int i = 0; i < visits.Length; i++)
        {
            visits[i] = i == visits.Length - 1 ? 1 : Math.Clamp(visits[i], Math.Max(floor, _rows[i]), 1);
            floor = visits[i];
        }

        return ReadSkew.Of(new VisitShares(_rows, visits));
    }

    /// <summary>For the planner's assumptions: the hottest quarter's share of the reads at the smallest and largest swept ef.</summary>
    public string Describe(double points)
    {
        int quarter = Array.FindIndex(_rows, r => r >= 0.25);
        string At(int i) => string.Create(CultureInfo.InvariantCulture,
            $"{Math.Clamp(_lines[i][quarter].Intercept + (_lines[i][quarter].Slope * Math.Log(points)), 0.25, 1):P0} at ef={_efs[i]}");
        return $"the hottest quarter of the rows takes {At(0)}{(_efs.Length > 1 ? ", " + At(_efs.Length - 1) : string.Empty)} of the reads at {points.ToString("N0", CultureInfo.InvariantCulture)} points";
    }
}
