namespace VectorEngine.Bench.Runs;

/// <summary>The recall/QPS Pareto frontier, as ann-benchmarks draws it: per series, the runs no other run beats on both.</summary>
internal static class ParetoFrontier
{
    /// <summary>The series a run belongs to: one curve in a plot.</summary>
    public static string SeriesOf(AnnRun run) =>
        $"{run.Engine} {run.Index}" + (run.BuildParams.TryGetValue("stage", out object? stage) ? $" ({stage})" : string.Empty)
        + (run.Points is { } points ? $", {points:N0} points" : string.Empty) + $", {run.Threads} thread" + (run.Threads == 1 ? string.Empty : "s");

    /// <summary>Sets <see cref="AnnRun.Pareto"/> on every run.</summary>
    public static void Mark(IEnumerable<AnnRun> runs)
    {
        foreach (IGrouping<string, AnnRun> series in runs.GroupBy(SeriesOf))
        {
            // Sorted by recall, best first (QPS breaks ties): a run is on the frontier when it is faster than every
            // run with at least its recall.
            double fastest = double.NegativeInfinity;
            foreach (AnnRun run in series.OrderByDescending(r => r.RecallAtK).ThenByDescending(r => r.Qps))
            {
                run.Pareto = run.Qps > fastest;
                fastest = Math.Max(fastest, run.Qps);
            }
        }
    }
}
