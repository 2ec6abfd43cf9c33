using System.Globalization;
using Spectre.Console;
using VectorEngine.Bench.Planning;

namespace VectorEngine.Bench.Commands;

/// <summary>plan-check's table: each prediction beside its measurement, with the ranges both sides state.</summary>
internal static class PlanCheckTable
{
    /// <summary>Prints the rows (the measured ef with its range over the queries where the sweeps kept their hits).</summary>
    public static void Print(IReadOnlyList<CheckRow> rows, double target)
    {
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 260;
        }

        var table = new Table().AddColumns("data", "points", "rep", $"ef for {target} pred (90%)", "meas", "err", "QPS pred (90%)", "meas", "err", "err at meas. ef", "index MiB pred", "meas", "err");
        foreach (CheckRow r in rows)
        {
            table.AddRow(r.Dataset, r.Points.ToString("N0", CultureInfo.InvariantCulture), r.Repetition == 0 ? "mean" : r.Repetition.ToString(CultureInfo.InvariantCulture),
                r.PredictedKnob is { } knob ? FormattableString.Invariant($"{knob} ({knob / r.KnobFactor:F0}-{knob * r.KnobFactor:F0})") : "none", Measured(r), KnobError(r),
                FormattableString.Invariant($"{r.PredictedQps:N0} ({r.PredictedQps / r.TimeFactor:N0}-{r.PredictedQps * r.TimeFactor:N0})"),
                r.MeasuredQps?.ToString("N0", CultureInfo.InvariantCulture) ?? "-", Percent(r.QpsError), Percent(r.TimeModelError),
                (r.PredictedBytes / 1048576).ToString("F1", CultureInfo.InvariantCulture), (r.MeasuredBytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture), Percent(r.MemoryError));
        }

        AnsiConsole.Write(table);
    }

    /// <summary>The measured knob, and its 90% range over resamples of the queries when the sweeps kept their hits.</summary>
    private static string Measured(CheckRow r) =>
        r.MeasuredKnob is not { } knob ? "not reached"
        : r.MeasuredKnobSpread is { } spread ? FormattableString.Invariant($"{knob:F1} ({spread.Low:F1}-{(spread.High is { } high ? high.ToString("F1", CultureInfo.InvariantCulture) : "none")})")
        : knob.ToString("F1", CultureInfo.InvariantCulture);

    /// <summary>The knob's error, and its range against the measured knob's range over the queries.</summary>
    private static string KnobError(CheckRow r) =>
        r is { PredictedKnob: { } p, MeasuredKnobSpread: { Low: { } low, High: { } high } }
            ? FormattableString.Invariant($"{Percent(r.KnobError)} ({Percent((p / high) - 1)}..{Percent((p / low) - 1)})")
            : Percent(r.KnobError);

    /// <summary>A signed percentage; an error that rounds to zero prints as 0.0% (the section format would print "-+0.0%" for a tiny negative one).</summary>
    private static string Percent(double? error) => error is { } e ? Math.Round(e, 3) is 0 ? "0.0%" : e.ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture) : "-";
}
