using ScottPlot;
using VectorEngine.Bench.Runs;

namespace VectorEngine.Bench.Reports;

/// <summary>The report's charts (ScottPlot), each saved as PNG and SVG.</summary>
internal static class ReportPlots
{
    private const int Width = 960;
    private const int Height = 640;

    /// <summary>recall@k against QPS on a log axis, one line per series through its Pareto frontier, as ann-benchmarks draws it.</summary>
    public static void RecallQps(string title, IReadOnlyList<AnnRun> runs, string pathWithoutExtension)
    {
        var plot = new Plot();
        foreach (IGrouping<string, AnnRun> series in runs.GroupBy(ParetoFrontier.SeriesOf).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            AnnRun[] frontier = series.Where(r => r.Pareto).OrderBy(r => r.RecallAtK).ToArray();
            ScottPlot.Plottables.Scatter line = plot.Add.Scatter(
                frontier.Select(r => r.RecallAtK).ToArray(), frontier.Select(r => Math.Log10(Math.Max(1, r.Qps))).ToArray());
            line.LegendText = series.Key + (series.First().Call == "batch" ? " (batch call)" : string.Empty);
            line.MarkerSize = 7;
            line.LineWidth = 2;
        }

        plot.Title(title);
        plot.XLabel($"recall@{runs[0].K}");
        plot.YLabel("queries per second (log scale)");
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
        };
        plot.ShowLegend(Alignment.LowerLeft);
        Save(plot, pathWithoutExtension);
    }

    /// <summary>One bar per label.</summary>
    public static void Bars(string title, string yLabel, IReadOnlyList<(string Label, double Value)> bars, string pathWithoutExtension)
    {
        var plot = new Plot();
        double[] values = bars.Select(b => b.Value).ToArray();
        plot.Add.Bars(values);
        Tick[] ticks = bars.Select((b, i) => new Tick(i, b.Label)).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 140;
        plot.Axes.Margins(bottom: 0);
        plot.Title(title);
        plot.YLabel(yLabel);
        Save(plot, pathWithoutExtension);
    }

    private static void Save(Plot plot, string pathWithoutExtension)
    {
        plot.SavePng(pathWithoutExtension + ".png", Width, Height);
        plot.SaveSvg(pathWithoutExtension + ".svg", Width, Height);
    }
}
