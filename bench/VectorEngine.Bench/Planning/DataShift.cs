using System.Globalization;

namespace VectorEngine.Bench.Planning;

/// <summary>
/// A calibration moved to data of another hardness: the ef for a recall and the vectors scored per ef scale by the
/// <see cref="HardnessLaw"/>'s power of the two datasets' LID p90 ratio.
/// </summary>
/// <param name="Law">The fitted law.</param>
/// <param name="From">The calibration data's hardness.</param>
/// <param name="To">The user's data's hardness.</param>
internal sealed record DataShift(HardnessLaw Law, DataHardness From, DataHardness To)
{
    /// <summary>What the ef for <paramref name="target"/> is multiplied by.</summary>
    public double KnobFactor(double target) => Law.KnobFactor(target, From, To);

    /// <summary>What the vectors scored at <paramref name="ef"/> are multiplied by.</summary>
    public double VisitFactor(double ef) => Law.VisitFactor(ef, From, To);

    /// <summary>The knob's 90% multiplicative range from the law's left-out transfers at <paramref name="target"/> (1 with no move).</summary>
    public double KnobRange(double target) => Moves ? 1 + Law.KnobTransferError(target) : 1;

    /// <summary>The time's 90% multiplicative range: the visits' own transfer error and the knob's, which time follows.</summary>
    public double TimeRange(double target, double ef) =>
        Moves ? Math.Exp(Math.Sqrt(Square(Math.Log(1 + Law.VisitTransferError(ef))) + Square(Math.Log(KnobRange(target))))) : 1;

    /// <summary>Why the move extrapolates the law (the user's LID p90 outside the table's), or null.</summary>
    public string? OutsideLaw
    {
        get
        {
            (double low, double high) = Law.LidP90Range;
            return To.LidP90 < low || To.LidP90 > high
                ? string.Create(CultureInfo.InvariantCulture, $"your data's LID p90 ({To.LidP90:F1}) is outside the hardness table's ({low:F1}-{high:F1})")
                : null;
        }
    }

    /// <summary>The move, for the planner's assumptions.</summary>
    public string Describe(double target) => string.Create(CultureInfo.InvariantCulture,
        $"your data's LID p90 {To.LidP90:F1} against the calibration's {From.LidP90:F1}: ef at recall {target} x{KnobFactor(target):F2}, scored vectors per ef x{VisitFactor(32):F2} at ef=32 (bench/reports/hardness: {Law.Rows.Count} datasets; moved ef off by a median {Law.KnobExponents.MinBy(e => Math.Abs(e.At - target))!.TransferMedian:P0} with the target set left out)");

    /// <summary>Whether the two datasets differ at all (the same hardness moves nothing and widens no range).</summary>
    private bool Moves => Math.Abs(To.LidP90 - From.LidP90) > 1e-9;

    private static double Square(double x) => x * x;
}
