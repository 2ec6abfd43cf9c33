namespace VectorEngine.Bench.Planning;

/// <summary>One search setting measured at one size: the knob, the recall it reached and single-thread QPS.</summary>
internal readonly record struct SweepPoint(int Knob, double Recall, double Qps);

/// <summary>
/// A prediction at a size held back from the calibration, set beside what the same sitting measured there: the knob
/// that reaches the recall target, the single-thread QPS at it, and the index bytes.
/// </summary>
/// <param name="Dataset">The data.</param>
/// <param name="Points">The held-back size.</param>
/// <param name="Repetition">Which repetition of the sitting (1-based).</param>
/// <param name="PredictedKnob">The knob the model says reaches the target (null: it says none does).</param>
/// <param name="MeasuredKnob">The knob at which the measured recall crosses the target, interpolated (null: not reached in the sweep).</param>
/// <param name="PredictedQps">Single-thread QPS the model predicts at its knob.</param>
/// <param name="MeasuredQps">Single-thread QPS measured at the measured knob, interpolated.</param>
/// <param name="PredictedQpsAtMeasuredKnob">Single-thread QPS the model predicts at the measured knob: the time model alone, without the knob's error.</param>
/// <param name="PredictedBytes">Index bytes the model predicts.</param>
/// <param name="MeasuredBytes">Index bytes measured.</param>
/// <param name="TimeFactor">The model's 90% multiplicative range of time (and so QPS) at this size.</param>
/// <param name="KnobFactor">The model's 90% multiplicative range of the knob at this size.</param>
internal sealed record CheckRow(
    string Dataset, int Points, int Repetition, int? PredictedKnob, double? MeasuredKnob, double PredictedQps, double? MeasuredQps,
    double? PredictedQpsAtMeasuredKnob, double PredictedBytes, long MeasuredBytes, double TimeFactor, double KnobFactor)
{
    /// <summary>Predicted knob over measured, less 1.</summary>
    public double? KnobError => PredictedKnob is { } p && MeasuredKnob is { } m ? (p / m) - 1 : null;

    /// <summary>Predicted QPS at the target over measured QPS at the target, less 1.</summary>
    public double? QpsError => MeasuredQps is { } m ? (PredictedQps / m) - 1 : null;

    /// <summary>The time model's own error: predicted over measured QPS, both at the measured knob, less 1.</summary>
    public double? TimeModelError => MeasuredQps is { } m && PredictedQpsAtMeasuredKnob is { } p ? (p / m) - 1 : null;

    /// <summary>Predicted index bytes over measured, less 1.</summary>
    public double MemoryError => (PredictedBytes / MeasuredBytes) - 1;

    /// <summary>True when the measured knob lies inside the stated 90% range (the predicted knob divided and multiplied by <see cref="KnobFactor"/>).</summary>
    public bool? KnobInRange => PredictedKnob is { } p && MeasuredKnob is { } m ? m >= p / KnobFactor && m <= p * KnobFactor : null;

    /// <summary>
    /// How far the measured knob would move with other queries (<see cref="QueryBootstrap"/>); null when the sweeps kept
    /// no per-query hits (results saved before they did).
    /// </summary>
    public KnobSpread? MeasuredKnobSpread { get; init; }

    /// <summary>True when the measured QPS lies inside the stated 90% range.</summary>
    public bool? QpsInRange => MeasuredQps is { } m ? m >= PredictedQps / TimeFactor && m <= PredictedQps * TimeFactor : null;
}

/// <summary>The arithmetic of a held-back check: reading the target off a measured sweep, and the comparison.</summary>
internal static class HeldBackCheck
{
    /// <summary>
    /// The knob at which the sweep's recall reaches <paramref name="target"/>: between the last setting below it and the
    /// first at or above it, interpolated linearly in ln knob against ln(1 - recall) (the planner's own recall law); the
    /// smallest knob when even it reaches the target; null when none does.
    /// </summary>
    public static double? KnobAt(IReadOnlyList<SweepPoint> sweep, double target)
    {
        SweepPoint[] sorted = [.. sweep.OrderBy(s => s.Knob)];
        for (int i = 0; i < sorted.Length; i++)
        {
            if (sorted[i].Recall < target)
            {
                continue;
            }

            if (i == 0)
            {
                return sorted[0].Knob;
            }

            SweepPoint below = sorted[i - 1], above = sorted[i];
            double y0 = Math.Log(1 - below.Recall), y1 = Math.Log(Math.Max(1 - above.Recall, 1e-6)), y = Math.Log(1 - target);
            double t = y1 == y0 ? 1 : Math.Clamp((y - y0) / (y1 - y0), 0, 1);
            return Math.Exp(Math.Log(below.Knob) + (t * (Math.Log(above.Knob) - Math.Log(below.Knob))));
        }

        return null;
    }

    /// <summary>QPS at <paramref name="knob"/>, interpolated in ln QPS against ln knob between the sweep's neighbouring settings.</summary>
    public static double QpsAt(IReadOnlyList<SweepPoint> sweep, double knob)
    {
        SweepPoint[] sorted = [.. sweep.OrderBy(s => s.Knob)];
        if (knob <= sorted[0].Knob)
        {
            return sorted[0].Qps;
        }

        for (int i = 1; i < sorted.Length; i++)
        {
            if (knob <= sorted[i].Knob)
            {
                double t = (Math.Log(knob) - Math.Log(sorted[i - 1].Knob)) / (Math.Log(sorted[i].Knob) - Math.Log(sorted[i - 1].Knob));
                return Math.Exp(Math.Log(sorted[i - 1].Qps) + (t * (Math.Log(sorted[i].Qps) - Math.Log(sorted[i - 1].Qps))));
            }
        }

        return sorted[^1].Qps;
    }

    /// <summary>The model's prediction at a held-back size beside the sweep measured there (vectors of <paramref name="dimension"/>; the calibration's by default).</summary>
    public static CheckRow Compare(string dataset, int repetition, CostModel model, int points, IReadOnlyList<SweepPoint> measured, long measuredBytes, double target, int k, int dimension = 0)
    {
        dimension = dimension > 0 ? dimension : model.Dimension;
        int? knob = model.KnobFor(points, target, k);
        double? measuredKnob = KnobAt(measured, target);
        return new CheckRow(
            dataset, points, repetition, knob, measuredKnob,
            knob is { } value ? 1 / model.SecondsPerQuery(points, value, dimension) : 0,
            measuredKnob is { } m ? QpsAt(measured, m) : null,
            measuredKnob is { } at ? 1 / model.SecondsPerQuery(points, Math.Max(1, (int)Math.Round(at)), dimension) : null,
            model.IndexBytes(points, dimension), measuredBytes,
            model.TimeRange(points, target, knob ?? 1), model.KnobRange(points, target));
    }
}
