using VectorEngine.Bench.Machine;

namespace VectorEngine.Bench.Planning;

/// <summary>
/// How far a series' model misses when it predicts beyond its calibration, measured by leaving sizes out: each size
/// above the two smallest is held out in turn, the model is refitted on the sizes below it only (a prediction beyond the
/// calibration is what a plan makes), and its predictions for the held-out size are compared with what was measured
/// there. Interpolating folds (a middle size left out) would say less about extrapolation, so none are made.
/// </summary>
/// <param name="Folds">Held-out sizes.</param>
/// <param name="StepFactor">Geometric mean of held-out size over the largest size fitted: how far each fold extrapolated.</param>
/// <param name="TimeLogRms">Root mean square of ln(predicted / measured) time per query, over the held-out runs.</param>
/// <param name="TimeLogBias">Mean of ln(predicted / measured) time: positive when the model predicts slow.</param>
/// <param name="KnobLogRms">Root mean square of ln(predicted / measured) knob for the recall each held-out run measured (0 without a knob).</param>
/// <param name="MemoryRelative">Largest |predicted / measured - 1| of the index bytes.</param>
internal sealed record ModelError(int Folds, double StepFactor, double TimeLogRms, double TimeLogBias, double KnobLogRms, double MemoryRelative)
{
    /// <summary>The two-sided 90% normal quantile: intervals cover about nine predictions in ten if errors are normal in log space.</summary>
    public const double Z90 = 1.645;

    /// <summary>Runs at or above this recall say only that misses were rarer than the queries: no knob is read from them.</summary>
    private const double MaxInformativeRecall = 0.9995;

    /// <summary>The cross-validated error, or null with fewer than three sizes (no fold has two sizes to fit on).</summary>
    /// <param name="series">The series the points belong to.</param>
    /// <param name="points">Its calibration runs.</param>
    /// <param name="machine">The memory profile the model charges by, or null.</param>
    public static ModelError? LeaveSizesOut(string series, IReadOnlyList<CalibrationPoint> points, MachineProfile? machine = null)
    {
        int[] sizes = [.. points.Where(p => p.Run.Threads == 1 && p.Run.Call == "single").Select(p => p.Points).Distinct().Order()];
        if (sizes.Length < 3)
        {
            return null;
        }

        var time = new List<double>();
        var knob = new List<double>();
        var steps = new List<double>();
        double memory = 0;
        for (int held = 2; held < sizes.Length; held++)
        {
            int size = sizes[held];
            CostModel model;
            try
            {
                model = CostModel.Fit(series, [.. points.Where(p => p.Points < size)], machine);
            }
            catch (ArgumentException)
            {
                continue;
            }

            steps.Add(Math.Log((double)size / sizes[held - 1]));
            CalibrationPoint[] measured = [.. points.Where(p => p.Points == size && p.Run.Threads == 1 && p.Run.Call == "single")];
            foreach (CalibrationPoint p in measured)
            {
                int value = model.Knob.Length == 0 ? 0 : Convert.ToInt32(p.Run.SearchParams[model.Knob].ToString(), System.Globalization.CultureInfo.InvariantCulture);
                time.Add(Math.Log(model.SecondsPerQuery(size, value, p.Dimension) * p.Run.Qps));
                if (model.Knob.Length > 0 && p.Run.RecallAtK < MaxInformativeRecall && model.KnobFor(size, p.Run.RecallAtK, k: 1) is { } predicted)
                {
                    knob.Add(Math.Log((double)predicted / value));
                }
            }

            memory = Math.Max(memory, Math.Abs((model.IndexBytes(size, measured[0].Dimension) / measured[0].Run.IndexBytes) - 1));
        }

        if (time.Count == 0)
        {
            return null;
        }

        return new ModelError(steps.Count, Math.Exp(steps.Average()), Rms(time), time.Average(), knob.Count == 0 ? 0 : Rms(knob), memory);
    }

    /// <summary>
    /// How many fold-sized steps a prediction at <paramref name="points"/> goes beyond <paramref name="largestCalibrated"/>
    /// (at least 1: a prediction inside the calibration is charged one step, since the model passes through its largest
    /// size but not the others exactly).
    /// </summary>
    public double Steps(double points, double largestCalibrated) =>
        Math.Max(1, Math.Log(points / largestCalibrated) / Math.Log(Math.Max(StepFactor, 1.01)));

    /// <summary>
    /// The factor f such that time per query lies within [t / f, t · f] at about 90%: the cross-validated error, grown
    /// in proportion to how many fold-sized steps the prediction extrapolates (errors compound as n moves away).
    /// </summary>
    public double TimeFactor(double points, double largestCalibrated) =>
        Math.Exp(Z90 * Math.Max(TimeLogRms, Math.Abs(TimeLogBias)) * Steps(points, largestCalibrated));

    /// <summary>As <see cref="TimeFactor"/>, for the knob that reaches a recall target.</summary>
    public double KnobFactor(double points, double largestCalibrated) =>
        Math.Exp(Z90 * KnobLogRms * Steps(points, largestCalibrated));

    private static double Rms(List<double> values) => Math.Sqrt(values.Average(v => v * v));
}
