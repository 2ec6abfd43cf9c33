using System.Globalization;
using VectorEngine.Bench.Machine;

namespace VectorEngine.Bench.Planning;

/// <summary>
/// HNSW time per query as work times price: the vectors the beam scores (counted by the engine, so measured without
/// timing noise, and smooth in ef and n) times what each costs, which is a constant of the code (distance kernel, beam
/// upkeep) plus the <see cref="MemoryCharge"/> of the machine at the index's working set. The constant is what the
/// calibration's timings leave after the charge at their own working sets; a prediction then moves the charge along the
/// measured memory curve instead of extending a power law across a cache's edge.
/// </summary>
internal sealed class VisitTime
{
    /// <summary>A sweep point that scored more than this share of the index explored most of it: no growth in n is read from it.</summary>
    private const double SaturatedShare = 0.25;

    private readonly int[] _efs;
    private readonly (double LogScale, double Exponent)[] _powers;
    private readonly MemoryCharge _charge;
    private readonly KernelSample[] _kernels;
    private readonly int _dimension;
    private readonly SkewLaw? _skew;
    private readonly int _largestCalibrated;

    private VisitTime(int[] efs, (double, double)[] powers, double codeNanoseconds, double codePerLogPoint, double rowBytes, MemoryCharge charge,
        KernelSample[] kernels, int dimension, SkewLaw? skew, int largestCalibrated)
    {
        _skew = skew;
        _largestCalibrated = largestCalibrated;
        _kernels = kernels;
        _dimension = dimension;
        _efs = efs;
        _powers = powers;
        CodeNanoseconds = codeNanoseconds;
        CodePerLogPoint = codePerLogPoint;
        RowBytes = rowBytes;
        _charge = charge;
    }

    /// <summary>Nanoseconds per scored vector that are not the memory charge, at one point (at the calibration dimension).</summary>
    public double CodeNanoseconds { get; }

    /// <summary>
    /// How much that grows per unit of ln n: the beam's other random reads (the visited marks, the neighbour lists)
    /// and the page walks, which the row charge does not cover (1M text-like points: 142 to 244 ns per scored vector
    /// from 31k to 1M points, all beyond the cache, where the row charge moved by 20).
    /// </summary>
    public double CodePerLogPoint { get; }

    /// <summary>The ef the per-vector cost is stated at: the geometric mean of the calibration's swept efs.</summary>
    public double ReferenceEf { get; private init; } = 1;

    /// <summary>
    /// A scored vector costs (ef / <see cref="ReferenceEf"/>)^this more at another ef: the larger beam keeps a larger
    /// heap and reads its candidates from further away (text-like data: 16-40% more per vector at ef=100 than at ef=10
    /// at 31k-250k points, fitted per size; fashion-mnist 17-19% at 1.9k points, 28-34% at 60k). Priced at the sweep's
    /// mean ef instead, fashion-mnist's small target ef (11-13) read up to 17% slow and text-like's large one
    /// (87-113) up to 8% fast.
    /// </summary>
    public double EfExponent { get; private init; }

    /// <summary>Bytes a scored vector reads: its row and its layer-0 neighbour list.</summary>
    public double RowBytes { get; }

    /// <summary>
    /// The law fitted to single-thread runs that counted their scored vectors (all of them must have), or null when any
    /// did not (another index, or runs from before the engine counted them).
    /// </summary>
    /// <remarks>
    /// At each swept ef the scored vectors grow as a power of n, more steeply the larger ef: so each ef gets its own
    /// power law, fitted over the sizes that did not explore most of their index (a 750-point graph at ef=192 scores
    /// nearly all of it). One power law in ef and n over the same runs read the held-back sizes up to 45% off. A line in
    /// ln n per ef read them 5-7% low on text-like data (31k-250k to 500k-1M: the growth per doubling still rose) and
    /// on fashion-mnist (1.9k-15k to 30k-60k), +1-3% on jobs-minilm (750-6k to 12k-24k, where it slowed); the power
    /// law per ef, -1 to -3% and +1 to +5%.
    /// </remarks>
    public static VisitTime? TryFit(IReadOnlyList<CalibrationPoint> single, MachineProfile machine)
    {
        if (single.Count == 0 || single.Any(p => p.Run.DistancesPerQuery is not > 0) || single.Select(p => p.Points).Distinct().Count() < 2)
        {
            return null;
        }

        int[] efs = [.. single.Select(Ef).Distinct().Order()];
        var powers = new (double, double)[efs.Length];
        for (int i = 0; i < efs.Length; i++)
        {
            CalibrationPoint[] atEf = [.. single.Where(p => Ef(p) == efs[i]).OrderBy(p => p.Points)];
            CalibrationPoint[] open = [.. atEf.Where(p => p.Run.DistancesPerQuery!.Value < SaturatedShare * p.Points)];
            CalibrationPoint[] used = open.Select(p => p.Points).Distinct().Count() >= 2 ? open : atEf[^Math.Min(2, atEf.Length)..];
            if (used.Select(p => p.Points).Distinct().Count() < 2)
            {
                return null;
            }

            powers[i] = MathNet.Numerics.Fit.Line([.. used.Select(p => Math.Log(p.Points))], [.. used.Select(p => Math.Log(p.Run.DistancesPerQuery!.Value))]);
        }

        var charge = new MemoryCharge(machine);

        // Where the calibration counted how its reads fell on the rows, the charge follows the skew (measured at its own
        // sizes, carried along the law to others); runs from before that was counted are charged as even reads.
        SkewLaw? skew = SkewLaw.TryFit([.. single.Select(p => (Ef(p), p.Points, p.Run.VisitShares))]);
        ReadSkew? SkewOf(CalibrationPoint p) => skew is null ? null : ReadSkew.Of(p.Run.VisitShares!);
        double rowBytes = single.Average(p => p.Run.VectorBytesPerPoint) + 64;
        (double referenceEf, double efExponent) = EfGrowth(single);

        // What each scored vector cost beyond the charge at its own working set, at the reference ef, as a line in ln n;
        // a line that falls (noise: costs do not shrink as an index grows) gives way to the median, which one slow sweep
        // point cannot set.
        double[] logPoints = [.. single.Select(p => Math.Log(p.Points))];
        double[] code = [.. single.Select(p => (1e9 / p.Run.Qps / p.Run.DistancesPerQuery!.Value / Math.Pow(Ef(p) / referenceEf, efExponent)) - charge.Nanoseconds(p.Run.IndexBytes, rowBytes, SkewOf(p)))];
        (double intercept, double slope) = MathNet.Numerics.Fit.Line(logPoints, code);
        if (slope < 0)
        {
            double[] sorted = [.. code.Order()];
            intercept = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
            slope = 0;
        }

        return new VisitTime(efs, powers, intercept, slope, rowBytes, charge, [.. machine.Kernels.OrderBy(k => k.Dimension)], single[0].Dimension, skew, single.Max(p => p.Points))
        {
            ReferenceEf = referenceEf,
            EfExponent = efExponent,
        };
    }

    /// <summary>
    /// How a scored vector's cost grows with ef at a fixed size: the slope of ln(ns per scored vector) in ln ef, pooled
    /// over the sizes (each size's own mean taken out, so the growth in n does not leak into it), and the geometric mean
    /// of the swept efs it is referred to. A negative slope (noise) reads as none.
    /// </summary>
    private static (double ReferenceEf, double Exponent) EfGrowth(IReadOnlyList<CalibrationPoint> single)
    {
        double referenceEf = Math.Exp(single.Average(p => Math.Log(Ef(p))));
        double across = 0, squares = 0;
        foreach (IGrouping<int, CalibrationPoint> size in single.GroupBy(p => p.Points))
        {
            double[] logEf = [.. size.Select(p => Math.Log(Ef(p)))];
            double[] logCost = [.. size.Select(p => Math.Log(1e9 / p.Run.Qps / p.Run.DistancesPerQuery!.Value))];
            double meanEf = logEf.Average(), meanCost = logCost.Average();
            for (int i = 0; i < logEf.Length; i++)
            {
                across += (logEf[i] - meanEf) * (logCost[i] - meanCost);
                squares += (logEf[i] - meanEf) * (logEf[i] - meanEf);
            }
        }

        return (referenceEf, squares > 0 ? Math.Max(0, across / squares) : 0);
    }

    /// <summary>
    /// Vectors scored per query at <paramref name="points"/> and <paramref name="ef"/>: between swept efs, interpolated
    /// in log-log; beyond them, the last two efs' power law.
    /// </summary>
    public double Visits(double points, int ef)
    {
        double At(int i) => Math.Max(1, Math.Exp(_powers[i].LogScale + (_powers[i].Exponent * Math.Log(points))));
        if (_efs.Length == 1 || ef <= _efs[0])
        {
            return At(0) * ef / _efs[0];
        }

        int upper = 1;
        while (upper < _efs.Length - 1 && ef > _efs[upper])
        {
            upper++;
        }

        double lowLog = Math.Log(At(upper - 1)), highLog = Math.Log(At(upper));
        double t = (Math.Log(ef) - Math.Log(_efs[upper - 1])) / (Math.Log(_efs[upper]) - Math.Log(_efs[upper - 1]));
        return Math.Exp(lowLog + (t * (highLog - lowLog)));
    }

    /// <summary>
    /// Seconds per query at <paramref name="dimension"/>. The row grows with the dimension (the charge reads it off the
    /// surface); of the code cost, only the distance kernel does: the machine's kernel curve moves it from the
    /// calibration's dimension to this one, and the rest (the beam's upkeep, the visited marks) stays. Measured from
    /// 384-d jobs-minilm to 128-d news20, scaling all of it with the dimension predicted QPS 60-80% high; a scored
    /// vector cost about 30 ns at 128-d, 45 at 384-d and 75 at 784-d on small indexes. A profile without a kernel curve
    /// scales the code cost in proportion, as before.
    /// </summary>
    /// <param name="points">The index's size: the vectors scored grow with it.</param>
    /// <param name="ef">The beam.</param>
    /// <param name="workingSetBytes">The bytes the caches must hold between two searches of the index (the charge's place).</param>
    /// <param name="dimension">The vectors' dimension.</param>
    /// <param name="cachedPoints">The points those bytes hold (the code cost's growth in n is read there); by default <paramref name="points"/>.</param>
    public double Seconds(double points, int ef, double workingSetBytes, int dimension, double? cachedPoints = null)
    {
        double scale = (double)dimension / _dimension;
        double code = CodeNanoseconds + (CodePerLogPoint * Math.Log(cachedPoints ?? points));
        code = _kernels.Length >= 2 ? code - Kernel(_dimension) + Kernel(dimension) : code * scale;
        double atEf = Math.Pow(ef / ReferenceEf, EfExponent);
        ReadSkew? skew = _skew?.At(cachedPoints ?? points, ef);
        return Visits(points, ef) * (Math.Max(0, code) + _charge.Nanoseconds(workingSetBytes, RowBytes * scale, skew)) * atEf * 1e-9;
    }

    /// <summary>The kernel curve at <paramref name="dimension"/>: linear between measured dimensions, and beyond them along the last two.</summary>
    private double Kernel(int dimension)
    {
        int upper = 1;
        while (upper < _kernels.Length - 1 && dimension > _kernels[upper].Dimension)
        {
            upper++;
        }

        KernelSample low = _kernels[upper - 1], high = _kernels[upper];
        return Math.Max(0, low.Nanoseconds + ((dimension - low.Dimension) * (high.Nanoseconds - low.Nanoseconds) / (high.Dimension - low.Dimension)));
    }

    /// <summary>The law, for the planner's assumptions.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"scored vectors/query a power of n per ef (ef={_efs[0]}: {Math.Exp(_powers[0].LogScale):G3}·n^{_powers[0].Exponent:F3}; ef={_efs[^1]}: {Math.Exp(_powers[^1].LogScale):G3}·n^{_powers[^1].Exponent:F3}), each ({CodeNanoseconds:F1} + {CodePerLogPoint:F1} ln n ns + the memory charge of a {RowBytes:F0}-byte row at the working set{(_skew is null ? ", rows read evenly" : $", rows read as measured ({_skew.Describe(_largestCalibrated)})")}) · (ef/{ReferenceEf:F0})^{EfExponent:F3}");

    private static int Ef(CalibrationPoint p) => Convert.ToInt32(p.Run.SearchParams["ef"].ToString(), CultureInfo.InvariantCulture);
}
