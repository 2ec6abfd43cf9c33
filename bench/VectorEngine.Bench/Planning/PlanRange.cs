namespace VectorEngine.Bench.Planning;

/// <summary>
/// The 90% ranges of a plan's predictions, from its model's cross-validated error at the plan's shard size: time (and
/// so p95 and capacity, which scale with it at the planned utilization) within [x / TimeFactor, x · TimeFactor], the
/// knob within [KnobLow, KnobHigh]; and why the plan is outside what the calibration supports, if it is. A model moved
/// to the user's data (<see cref="CostModel.Shift"/>) adds the hardness law's transfer error to both, in log space.
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
        string? outside = model.OutsideSupport(plan.PointsPerSegment, plan.KnobValue);
        double knob = model.KnobRange(plan.PointsPerSegment, plan.Recall);
        return new PlanRange(model.TimeRange(plan.PointsPerSegment, plan.Recall, plan.KnobValue), (int)Math.Floor(plan.KnobValue / knob), (int)Math.Ceiling(plan.KnobValue * knob), outside);
    }
}
