using System.Globalization;
using VectorEngine.Bench.Datasets;

namespace VectorEngine.Bench.Planning;

/// <summary>
/// The calibration's data and the user's side by side, for <c>bench plan --data</c>, and the <see cref="DataShift"/>
/// between them when one can be made: a hardness law, one calibration dataset of known hardness, and a sample.
/// </summary>
internal sealed class HardnessComparison
{
    private readonly IReadOnlyList<(string Dataset, DataHardness Hardness, string Source)> _calibration;
    private readonly string? _sampleName;
    private readonly string? _notMoved;

    private HardnessComparison(IReadOnlyList<(string, DataHardness, string)> calibration, string? sampleName, DataHardness? yours, DataShift? shift, string? notMoved)
    {
        _calibration = calibration;
        _sampleName = sampleName;
        Yours = yours;
        Shift = shift;
        _notMoved = notMoved;
    }

    /// <summary>The user's sample's hardness, or null without --data.</summary>
    public DataHardness? Yours { get; }

    /// <summary>The move from the calibration's data to the user's, or null when none can be made.</summary>
    public DataShift? Shift { get; }

    /// <summary>
    /// Compares the calibration files' data with <paramref name="sample"/>. A report written without a hardness takes
    /// its dataset's row of <paramref name="law"/>'s table, where the table measured that dataset (the shipped
    /// calibration's fashion-mnist).
    /// </summary>
    public static HardnessComparison Of(IReadOnlyList<string> calibrationFiles, Dataset? sample, HardnessLaw? law)
    {
        IReadOnlyList<(string Dataset, DataHardness Hardness, string Source)> calibration = Calibration.HardnessOf(calibrationFiles, law);

        if (sample is null)
        {
            return new HardnessComparison(calibration, null, null, null, null);
        }

        DataHardness yours = DataHardness.Estimate(sample.Base, sample.Metric == DistanceMetric.Cosine);
        string? notMoved = law is null ? "no hardness law (pass --hardness-law, or rebuild the CLI with bench/reports/hardness/law.json)"
            : calibration.Count == 0 ? "the calibration's reports measured no hardness and the hardness table has no row for their data"
            : calibration.Count > 1 ? $"the calibration spans {calibration.Count} datasets; calibrate on one to have it moved"
            : null;
        DataShift? shift = notMoved is null ? new DataShift(law!, calibration[0].Hardness, yours) : null;
        return new HardnessComparison(calibration, sample.Name, yours, shift, notMoved);
    }

    /// <summary>The comparison as lines for the planner's assumptions.</summary>
    public IEnumerable<string> Lines(double target)
    {
        foreach ((string dataset, DataHardness h, string source) in _calibration)
        {
            yield return $"calibration data {dataset}: {Describe(h)}; {source}";
        }

        if (Yours is not { } yours)
        {
            yield break;
        }

        yield return $"your data {_sampleName}: {Describe(yours)}";
        if (Shift is { } shift)
        {
            yield return $"moved to your data: {shift.Describe(target)}";
            if (shift.OutsideLaw is { } outside)
            {
                yield return $"[yellow]{outside}: the move extrapolates the law; calibrate on your own data (bench ann --points on a sample of it)[/]";
            }
        }
        else
        {
            yield return $"not moved to your data: {_notMoved}";
            if (_calibration.Count > 0 && yours.LidP90 > 1.2 * _calibration.Max(c => c.Hardness.LidP90))
            {
                yield return string.Create(CultureInfo.InvariantCulture,
                    $"[yellow]your data is harder than the calibration's (LID p90 {yours.LidP90:F1} against at most {_calibration.Max(c => c.Hardness.LidP90):F1}): the ef below is likely too low and the QPS too high; calibrate on your own data (bench ann --points on a sample of it)[/]");
            }
        }
    }

    private static string Describe(DataHardness h) => string.Create(CultureInfo.InvariantCulture,
        $"local intrinsic dimension {h.LidMean:F1} (p90 {h.LidP90:F1}), relative contrast {h.RelativeContrast:F2}, near-duplicates {h.NearDuplicateShare:P1}, norm spread {h.NormSpread:F2} ({h.Sample} points against {h.Reference:N0})");
}
