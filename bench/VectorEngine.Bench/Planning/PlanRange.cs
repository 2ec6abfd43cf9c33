namespace VectorEngine.Bench.Planning;

/// <summary>
/// The 90% ranges of a plan's predictions, from its model's cross-validated error at the plan's shard size: time (and
/// so p95 and capacity, which scale with it at the planned utilization) within [x / TimeFactor, x · TimeFactor], the
/// knob within [KnobLow, KnobHigh]; and why the plan is outside what the calibration supports, if it is.
/// </summary>
/// <param name="TimeFactor">Multiplicative half-width of the time range (1 when the model has no stated error).</param>
/// <param name="KnobLow">Low end of the knob range.</param>
/// <param name="KnobHigh">High end of the knob range.</param>
/// <param name="OutsideSupport">Why the prediction goes beyond the calibration, or null.</param>
internal sealed record PlanRange(double TimeFactor, int KnobLow, int KnobHigh, string? OutsideSupport)
{
    /// <summary>The ranges of <paramref name="plan"/>.</summary>
    public static PlanRange Of(DeploymentPlan plan)
    {
        CostModel model = plan.Model;
        string? outside = model.OutsideSupport(plan.PointsPerShard, plan.KnobValue);
        if (model.Error is not { } error)
        {
            return new PlanRange(1, plan.KnobValue, plan.KnobValue, outside);
        }

        double largest = model.CalibratedSizes[^1];
        double knob = error.KnobFactor(plan.PointsPerShard, largest);
        return new PlanRange(error.TimeFactor(plan.PointsPerShard, largest), (int)Math.Floor(plan.KnobValue / knob), (int)Math.Ceiling(plan.KnobValue * knob), outside);
    }
}
