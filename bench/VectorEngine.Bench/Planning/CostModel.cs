using System.Globalization;
using VectorEngine.Bench.Machine;
using VectorEngine.Bench.Runs;

namespace VectorEngine.Bench.Planning;

/// <summary>
/// What one index configuration costs on the machine it was measured on, fitted from <c>bench ann</c> runs at several
/// sizes: time per query and recall against the index size n and the search knob (ef for HNSW, nprobe for IVF), and
/// memory and disk against n. Power laws in log space: HNSW's time grows like ef·log n and IVF's like nprobe·n/nlist,
/// which over a decade or two of n a power law follows closely, and it extrapolates without inventing curvature the
/// three or four calibration sizes cannot show.
/// </summary>
internal sealed class CostModel
{
    private const double MaxInformativeRecall = 0.9995;

    private readonly double[] _time;
    private readonly double[] _miss;
    private readonly IReadOnlyDictionary<int, SweepPoint[]> _sweeps;
    private readonly VisitTime? _visitTime;
    private DataShift? _shift;

    private CostModel(string series, string index, string knob, int dimension, double[] time, double[] miss, double bytesFixed, double bytesPerPoint,
        double vectorBytesPerPoint, double diskFixed, double diskPerPoint, double tailRatio, double threadEfficiency, int[] sizes, int[] knobs,
        IReadOnlyDictionary<int, SweepPoint[]> sweeps, VisitTime? visitTime)
    {
        _sweeps = sweeps;
        _visitTime = visitTime;
        Series = series;
        Index = index;
        Knob = knob;
        Dimension = dimension;
        _time = time;
        _miss = miss;
        BytesFixed = bytesFixed;
        BytesPerPoint = bytesPerPoint;
        VectorBytesPerPoint = vectorBytesPerPoint;
        DiskFixed = diskFixed;
        DiskPerPoint = diskPerPoint;
        TailRatio = tailRatio;
        ThreadEfficiency = threadEfficiency;
        CalibratedSizes = sizes;
        CalibratedKnobs = knobs;
    }

    /// <summary>The index configuration: index name and build parameters.</summary>
    public string Series { get; }

    /// <summary>The index and the build parameters that shape it, for tables (seeds, training iterations, sample sizes
    /// and the default search knob left out).</summary>
    public string Label => Calibration.LabelOf(Series);

    /// <summary>The index type as <c>bench ann --index</c> names it.</summary>
    public string Index { get; }

    /// <summary>The search parameter the model varies ("ef", "nprobe"), or empty for an exact index.</summary>
    public string Knob { get; }

    /// <summary>The vectors' dimension in the calibration runs.</summary>
    public int Dimension { get; }

    /// <summary>Index bytes that do not grow with n (IVF centroids, quantizer tables).</summary>
    public double BytesFixed { get; }

    /// <summary>Index bytes per point at the calibration dimension.</summary>
    public double BytesPerPoint { get; }

    /// <summary>Of <see cref="BytesPerPoint"/>, the vector data (floats or codes): the part that scales with the dimension.</summary>
    public double VectorBytesPerPoint { get; }

    /// <summary>Database directory bytes that do not grow with n.</summary>
    public double DiskFixed { get; }

    /// <summary>Database directory bytes per point at the calibration dimension.</summary>
    public double DiskPerPoint { get; }

    /// <summary>p95 latency over mean time per query, single thread (the median over the calibration runs).</summary>
    public double TailRatio { get; }

    /// <summary>QPS on T threads over T times the single-thread QPS (1 when no multi-thread run was measured).</summary>
    public double ThreadEfficiency { get; }

    /// <summary>The index sizes the model was fitted on.</summary>
    public int[] CalibratedSizes { get; }

    /// <summary>The knob values the model was fitted on.</summary>
    public int[] CalibratedKnobs { get; }

    /// <summary>How far the model missed when sizes were left out of its calibration; null with fewer than three sizes.</summary>
    public ModelError? Error { get; set; }

    /// <summary>
    /// Why a prediction at <paramref name="points"/> with <paramref name="knob"/> is outside what the calibration can
    /// support, or null when it is not: no cross-validation (fewer than three sizes), more than three cross-validated
    /// steps beyond the largest size, or a knob more than twice the largest calibrated one.
    /// </summary>
    public string? OutsideSupport(double points, int knob)
    {
        double largest = CalibratedSizes[^1];
        if (Error is null)
        {
            return $"no stated error: the calibration has {CalibratedSizes.Length} sizes, cross-validation needs three";
        }

        if (Error.Steps(points, largest) > 3)
        {
            return FormattableString.Invariant($"{points / largest:F0}x beyond the largest calibrated size ({largest:N0}), more than three cross-validated steps of {Error.StepFactor:F1}x");
        }

        return Knob.Length > 0 && knob > 2 * CalibratedKnobs[^1]
            ? $"{Knob}={knob} is more than twice the largest calibrated ({CalibratedKnobs[^1]})"
            : _shift?.OutsideLaw;
    }

    /// <summary>The move from the calibration's data to the user's (<see cref="ForData"/>), or null: the user's is assumed as hard.</summary>
    public DataShift? Shift => _shift;

    /// <summary>
    /// This model moved to data of another hardness: the knob for a recall and the vectors scored per knob scale by
    /// <paramref name="law"/> from <paramref name="calibration"/>'s LID p90 to <paramref name="yours"/>'s. HNSW only:
    /// the law was measured on HNSW sweeps; other indexes are returned unchanged.
    /// </summary>
    public CostModel ForData(HardnessLaw law, DataHardness calibration, DataHardness yours)
    {
        if (Knob != "ef")
        {
            return this;
        }

        var moved = (CostModel)MemberwiseClone();
        moved._shift = new DataShift(law, calibration, yours);
        return moved;
    }

    /// <summary>
    /// The 90% multiplicative range of time per query at <paramref name="points"/>: the cross-validated error (wider with
    /// each step beyond the calibration) and, for a moved model, the hardness law's transfer error, added in log space.
    /// </summary>
    public double TimeRange(double points, double target, int knob) =>
        Combine(Error?.TimeFactor(points, CalibratedSizes[^1]) ?? 1, _shift?.TimeRange(target, Math.Max(1, knob)) ?? 1);

    /// <summary>The 90% multiplicative range of the knob for <paramref name="target"/> at <paramref name="points"/>, as <see cref="TimeRange"/>.</summary>
    public double KnobRange(double points, double target) =>
        Combine(Error?.KnobFactor(points, CalibratedSizes[^1]) ?? 1, _shift?.KnobRange(target) ?? 1);

    /// <summary>Two independent multiplicative ranges as one: their logs added in quadrature.</summary>
    private static double Combine(double a, double b) => Math.Exp(Math.Sqrt((Math.Log(a) * Math.Log(a)) + (Math.Log(b) * Math.Log(b))));

    /// <summary>How time per query is predicted: "machine" (scored vectors times the memory charge at the working set) or "power law".</summary>
    public string TimeLaw => _visitTime is null ? "power law" : "machine";

    /// <summary>How much more a scored vector costs per unit of ln ef under the machine law (<see cref="VisitTime.EfExponent"/>); null under the power law.</summary>
    public double? EfExponent => _visitTime?.EfExponent;

    /// <summary>Fits one series' model; every run must be of that series.</summary>
    /// <param name="series">The index configuration.</param>
    /// <param name="points">Its calibration runs.</param>
    /// <param name="machine">This machine's memory profile: with it, and HNSW runs that counted their scored vectors,
    /// time is charged per scored vector at the working set's place in the memory hierarchy; without, one power law.</param>
    /// <exception cref="ArgumentException">Fewer than two sizes, or fewer than two knob values for an approximate index.</exception>
    public static CostModel Fit(string series, IReadOnlyList<CalibrationPoint> points, MachineProfile? machine = null)
    {
        CalibrationPoint[] single = points.Where(p => p.Run.Threads == 1 && p.Run.Call == "single").ToArray();
        int[] sizes = single.Select(p => p.Points).Distinct().Order().ToArray();
        if (sizes.Length < 2)
        {
            throw new ArgumentException($"{series}: calibration needs single-thread runs at two or more sizes (bench ann --points), found {sizes.Length}.");
        }

        string knob = single[0].Run.SearchParams.Keys.FirstOrDefault(k => k is "ef" or "nprobe") ?? string.Empty;
        int[] knobs = knob.Length == 0 ? [] : single.Select(p => KnobOf(p.Run, knob)).Distinct().Order().ToArray();
        if (knob.Length > 0 && knobs.Length < 2)
        {
            throw new ArgumentException($"{series}: calibration needs two or more {knob} values (bench ann --sweep {knob}=...), found {knobs.Length}.");
        }

        (int Points, int Knob, double LogY) Row(CalibrationPoint p, double logY) => (p.Points, knob.Length == 0 ? 0 : KnobOf(p.Run, knob), logY);
        (double t0, double t1, double t2) = PowerLawFit.Fit(single.Select(p => Row(p, Math.Log(1 / p.Run.Qps))).ToList());

        // Runs at recall 1 say only that the miss rate is below 1/queries: they would pull the fitted curve, so the
        // recall fit uses the others (all of them when too few are left at two sizes).
        CalibrationPoint[] informative = single.Where(p => p.Run.RecallAtK < MaxInformativeRecall).ToArray();
        if (informative.Select(p => p.Points).Distinct().Count() < 2)
        {
            informative = single;
        }

        (double m0, double m1, double m2) = PowerLawFit.Fit(informative.Select(p => Row(p, Math.Log(Miss(p.Run.RecallAtK)))).ToList());
        double[] time = knob.Length == 0 ? [t0, t2] : [t0, t1, t2];
        double[] miss = knob.Length == 0 ? [m0, m2] : [m0, m1, m2];

        // One build per size: memory and disk are per build, not per search setting.
        CalibrationPoint[] builds = single.GroupBy(p => p.Points).Select(g => g.First()).ToArray();
        (double bytesFixed, double bytesPerPoint) = Line(builds.Select(b => (double)b.Points).ToArray(), builds.Select(b => (double)b.Run.IndexBytes).ToArray());
        (double diskFixed, double diskPerPoint) = builds.All(b => b.Run.DiskBytes is not null)
            ? Line(builds.Select(b => (double)b.Points).ToArray(), builds.Select(b => (double)b.Run.DiskBytes!.Value).ToArray())
            : (0, 0);
        double[] tails = single.Where(p => p.Run.P95Us is not null).Select(p => p.Run.P95Us!.Value * p.Run.Qps / 1e6).Order().ToArray();
        double[] efficiencies = points
            .Where(p => p.Run.Threads > 1 && p.Run.Call == "single")
            .Select(p => (p, one: single.FirstOrDefault(s => s.Points == p.Points && SameSearch(s.Run, p.Run))))
            .Where(pair => pair.one is not null)
            .Select(pair => pair.p.Run.Qps / (pair.p.Run.Threads * pair.one!.Run.Qps))
            .Order()
            .ToArray();

        return new CostModel(series, single[0].Run.Index, knob, single[0].Dimension, time, miss, Math.Max(0, bytesFixed), bytesPerPoint,
            builds.Select(b => b.Run.VectorBytesPerPoint).Average(), Math.Max(0, diskFixed), diskPerPoint,
            tails.Length == 0 ? 2.0 : tails[tails.Length / 2], efficiencies.Length == 0 ? 1.0 : Math.Min(1, efficiencies[efficiencies.Length / 2]),
            sizes, knobs,
            knob.Length == 0 ? new Dictionary<int, SweepPoint[]>() : single.GroupBy(p => p.Points).ToDictionary(g => g.Key, g => g.Select(p => new SweepPoint(KnobOf(p.Run, knob), p.Run.RecallAtK, p.Run.Qps)).ToArray()),
            machine is not null && knob == "ef" ? VisitTime.TryFit(single, machine) : null);
    }

    /// <summary>Seconds of one thread per query on an index of <paramref name="points"/> points.</summary>
    /// <param name="points">The index's size.</param>
    /// <param name="knob">The search knob.</param>
    /// <param name="dimension">The vectors' dimension.</param>
    /// <param name="cachedPoints">
    /// The points whose index data passes through the caches between two searches of this index: by default the index's
    /// own; a shard of several segments searched in turn passes all of its points through them with every query. Under
    /// the machine law the memory charge and the code cost's growth in n (the graph's other random reads, the page walks)
    /// are read there, while the vectors a search scores stay those of this index.
    /// </param>
    public double SecondsPerQuery(double points, int knob, int dimension, double? cachedPoints = null)
    {
        double cached = Math.Max(points, cachedPoints ?? points);
        return (_visitTime is { } visits
            ? visits.Seconds(points, knob, IndexBytes(cached, dimension), dimension, cached)
            : Math.Exp(Evaluate(_time, points, knob)) * dimension / Dimension)
            * (_shift?.VisitFactor(Math.Max(1, knob)) ?? 1);
    }

    /// <summary>Single-thread queries per second on an index of <paramref name="points"/> points at the calibration dimension.</summary>
    public double Qps(double points, int knob) => 1 / SecondsPerQuery(points, knob, Dimension);

    /// <summary>
    /// Predicted recall@k of an index of <paramref name="points"/> points at <paramref name="knob"/>: the highest recall
    /// whose knob (<see cref="KnobValue"/>) is at most <paramref name="knob"/>, so that the knob a plan picks for a target
    /// reaches the recall the plan states.
    /// </summary>
    public double Recall(double points, int knob)
    {
        if (Knob.Length == 0)
        {
            return 1 - Math.Exp(Evaluate(_miss, points, knob));
        }

        // The knob comes from different laws at different recalls (a sweep line, the near-target fit, the surface),
        // so it need not rise smoothly across their seams: scan miss rates from 1e-5 up (ratio 1.06) for the first
        // whose knob fits, then bisect between it and the scan's previous step.
        const double Step = 1.06;
        double miss = 1e-5;
        while (miss < 1 && !(KnobValue(points, 1 - miss) is { } value && value <= knob))
        {
            miss *= Step;
        }

        if (miss >= 1)
        {
            return 0;
        }

        double easy = Math.Log(miss), hard = Math.Log(miss / Step);
        for (int i = 0; i < 30 && miss > 1e-5; i++)
        {
            double middle = (easy + hard) / 2;
            if (KnobValue(points, 1 - Math.Exp(middle)) is { } value && value <= knob)
            {
                easy = middle;
            }
            else
            {
                hard = middle;
            }
        }

        return 1 - Math.Exp(easy);
    }

    /// <summary>Predicted in-memory index bytes.</summary>
    public double IndexBytes(double points, int dimension) =>
        BytesFixed * dimension / Dimension + points * (BytesPerPoint + (VectorBytesPerPoint * ((double)dimension / Dimension - 1)));

    /// <summary>Predicted database directory bytes (floats are always stored: they grow with the dimension).</summary>
    public double DiskBytes(double points, int dimension) =>
        DiskFixed + points * (DiskPerPoint + (4.0 * (dimension - Dimension)));

    /// <summary>The smallest knob value that reaches <paramref name="target"/> at <paramref name="points"/> (<see cref="KnobValue"/> rounded up), or null.</summary>
    public int? KnobFor(double points, double target, int k)
    {
        if (Knob.Length == 0)
        {
            return Recall(points, 0) >= target ? 0 : null;
        }

        return KnobValue(points, target) is { } value ? Math.Max(Knob == "ef" ? k : 1, (int)Math.Ceiling(value - 1e-9)) : null;
    }

    /// <summary>
    /// The knob that reaches <paramref name="target"/> at <paramref name="points"/>, unrounded; null when none up to 16x
    /// the largest calibrated value does. Where two or more calibration sweeps cross the target between two settings,
    /// the knob each needed is read off its sweep and extended linearly in ln n: a graph search's path grows with
    /// log n, and so did the knob (17.6, 21.9, 26.6, 29.3, 33.7, 36.3 for each doubling of jobs-minilm from 750
    /// points), where a power law in n fitted to the whole recall surface overshot by a third two doublings on.
    /// Otherwise the power law fitted to the runs near the target (a miss rate within 4x of its), which a surface
    /// fitted to every run misreads when the target lies at the sweep's edge (fashion-mnist at 0.95: +28% against +2%);
    /// and without those, the surface.
    /// </summary>
    public double? KnobValue(double points, double target)
    {
        // Recall at a knob only falls as n grows: a calibrated size no larger than n whose whole sweep stayed below the
        // target says n does not reach it within the swept knobs either, whatever a line through smaller sizes says.
        // (HNSW over PQ codes with a fixed rescoring depth levels off: 0.963 at 31k points, 0.917 at 250k, at ef=512.)
        if (Knob.Length > 0 && _sweeps.Any(pair => pair.Key <= points && pair.Value.Length > 0 && pair.Value.Max(s => s.Recall) < target))
        {
            return null;
        }

        double? value = KnobLine(target) is { } line
            ? line.Intercept + (line.Slope * Math.Log(points))
            : Solve(NearTarget(target) ?? (_miss[0], _miss[1], _miss[2]), points, target);
        value *= _shift?.KnobFactor(target) ?? 1;
        return value is { } v && v > 0 && v <= CalibratedKnobs[^1] * 16 ? v : null;
    }

    /// <summary>The knob at which ln(1 - recall) = c0 + c1 ln knob + c2 ln n reaches the target; null when recall does not rise with the knob.</summary>
    private static double? Solve((double C0, double C1, double C2) surface, double points, double target) =>
        surface.C1 < 0 ? Math.Exp((Math.Log(1 - target) - surface.C0 - (surface.C2 * Math.Log(points))) / surface.C1) : null;

    /// <summary>The recall surface fitted to the calibration runs whose miss rate is within 4x of the target's, when they span two sizes and two knob values.</summary>
    private (double C0, double C1, double C2)? NearTarget(double target)
    {
        double miss = 1 - target;
        (int Points, SweepPoint Point)[] near = [.. _sweeps
            .SelectMany(pair => pair.Value.Select(point => (pair.Key, point)))
            .Where(p => p.point.Recall < MaxInformativeRecall && 1 - p.point.Recall >= miss / 4 && 1 - p.point.Recall <= miss * 4)];
        if (near.Select(p => p.Points).Distinct().Count() < 2 || near.Select(p => p.Point.Knob).Distinct().Count() < 2 || near.Length < 4)
        {
            return null;
        }

        double[] c = MathNet.Numerics.Fit.MultiDim(
            [.. near.Select(p => new[] { Math.Log(p.Point.Knob), Math.Log(p.Points) })],
            [.. near.Select(p => Math.Log(1 - p.Point.Recall))],
            intercept: true);
        return (c[0], c[1], c[2]);
    }

    /// <summary>The fitted formulas, for the planner's assumptions.</summary>
    public string Describe()
    {
        string knobTerm = Knob.Length == 0 ? string.Empty : Inv($" · {Knob}^{_time[1]:F2}");
        string missKnob = Knob.Length == 0 ? string.Empty : Inv($" · {Knob}^{_miss[1]:F2}");
        string time = _visitTime is { } visits ? visits.Describe() : Inv($"time/query = {Math.Exp(_time[0]) * 1e6:G3} µs{knobTerm} · n^{_time[^1]:F3} · dim/{Dimension}");
        return time + Inv($"; 1 - recall = {Math.Exp(_miss[0]):G3}{missKnob} · n^{_miss[^1]:F3}; ")
            + Inv($"memory = {BytesPerPoint:F0} B/point ({VectorBytesPerPoint:F0} of them vector data) + {BytesFixed / 1048576:F1} MiB; p95 = {TailRatio:F2} × mean; ")
            + Inv($"{ThreadEfficiency:P0} per-thread efficiency; fitted on n = {string.Join(", ", CalibratedSizes)}")
            + (Knob.Length == 0 ? string.Empty : $", {Knob} = {string.Join(", ", CalibratedKnobs)}");
    }

    private static string Inv(FormattableString text) => FormattableString.Invariant(text);

    /// <summary>
    /// The knob that reaches <paramref name="target"/> as a line in ln n, through the calibration sizes whose sweeps
    /// cross the target between two settings; null when fewer than two do.
    /// </summary>
    private (double Intercept, double Slope)? KnobLine(double target)
    {
        (double Log, double Knob)[] crossings = [.. _sweeps
            .Select(pair => (Log: Math.Log(pair.Key), Crossing: CrossingInside(pair.Value, target)))
            .Where(pair => pair.Crossing is not null)
            .Select(pair => (pair.Log, pair.Crossing!.Value))];
        return crossings.Length >= 2 ? Line([.. crossings.Select(c => c.Log)], [.. crossings.Select(c => c.Knob)]) : null;
    }

    /// <summary>The knob at which a sweep's recall crosses <paramref name="target"/>, when it does between two of its settings (not at the first or past the last).</summary>
    private static double? CrossingInside(SweepPoint[] sweep, double target) =>
        sweep.Length >= 2 && sweep.Min(s => s.Recall) < target && HeldBackCheck.KnobAt(sweep, target) is { } knob ? knob : null;

    private double Evaluate(double[] coefficients, double points, int knob) =>
        Knob.Length == 0
            ? coefficients[0] + (coefficients[1] * Math.Log(points))
            : coefficients[0] + (coefficients[1] * Math.Log(knob)) + (coefficients[2] * Math.Log(points));

    private static (double Intercept, double Slope) Line(double[] x, double[] y) => MathNet.Numerics.Fit.Line(x, y);

    /// <summary>1 - recall, kept off 0 so that perfect runs do not send the log to minus infinity.</summary>
    private static double Miss(double recall) => Math.Max(1 - recall, 1e-4);

    private static int KnobOf(AnnRun run, string knob) => Convert.ToInt32(run.SearchParams[knob].ToString(), CultureInfo.InvariantCulture);

    private static bool SameSearch(AnnRun a, AnnRun b) =>
        a.SearchParams.Count == b.SearchParams.Count && a.SearchParams.All(p => b.SearchParams.TryGetValue(p.Key, out object? v) && v.ToString() == p.Value.ToString());
}

/// <summary>One measured run with the index size and dimension it was measured at.</summary>
internal sealed record CalibrationPoint(AnnRun Run, int Points, int Dimension);
