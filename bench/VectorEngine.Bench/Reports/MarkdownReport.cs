using System.Globalization;
using System.Text;
using VectorEngine.Bench.Runs;

namespace VectorEngine.Bench.Reports;

/// <summary>
/// Renders <c>bench ann</c> / <c>bench peers</c> JSON into a markdown report with charts: per dataset recall against
/// QPS, the fastest setting of each series at recall targets with its latency percentiles, bytes per vector and
/// build time.
/// </summary>
internal static class MarkdownReport
{
    private static readonly double[] RecallTargets = [0.90, 0.95, 0.99];

    public static string Write(IReadOnlyList<AnnReport> reports, string directory)
    {
        Directory.CreateDirectory(directory);
        var md = new StringBuilder();
        md.AppendLine("# VectorEngine benchmark report").AppendLine();
        md.AppendLine(Inv($"{DateTime.UtcNow:yyyy-MM-dd} · {Environment.ProcessorCount} CPUs ({CpuModel()}) · {System.Runtime.InteropServices.RuntimeInformation.OSDescription} · .NET {Environment.Version}"));
        md.AppendLine();
        md.AppendLine("QPS is one query per call unless marked *batch* (a peer's whole query set in one call on N threads). " +
            "Figures drift between runs on shared machines: compare engines measured in the same sitting.").AppendLine();

        foreach (IGrouping<string, AnnReport> group in reports.GroupBy(r => r.Dataset, StringComparer.Ordinal))
        {
            AnnReport first = group.First();
            List<AnnRun> runs = group.SelectMany(r => r.Runs).ToList();
            ParetoFrontier.Mark(runs);
            string slug = first.Dataset;
            md.AppendLine(Inv($"## {first.Dataset}")).AppendLine();
            md.AppendLine(Inv($"n = {first.N:N0}, dim = {first.Dim}, metric = {first.Metric}, k = {runs[0].K}.")).AppendLine();

            ReportPlots.RecallQps($"{first.Dataset}: recall vs QPS", runs, Path.Combine(directory, slug + "-recall-qps"));
            md.AppendLine(Inv($"![recall vs QPS]({slug}-recall-qps.png) ([SVG]({slug}-recall-qps.svg))")).AppendLine();

            md.AppendLine("### Fastest setting at each recall target").AppendLine();
            md.AppendLine("| series | recall ≥ | setting | recall | QPS | p50 µs | p95 µs | p99 µs |");
            md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
            foreach (IGrouping<string, AnnRun> series in runs.GroupBy(ParetoFrontier.SeriesOf).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                foreach (double target in RecallTargets)
                {
                    AnnRun? best = series.Where(r => r.RecallAtK >= target).MaxBy(r => r.Qps);
                    md.AppendLine(best is null
                        ? Inv($"| {series.Key} | {target:F2} | not reached | | | | | |")
                        : Inv($"| {series.Key} | {target:F2} | {Setting(best)} | {best.RecallAtK:F4} | {best.Qps:N0}{(best.Call == "batch" ? " (batch)" : "")} | {Us(best.P50Us)} | {Us(best.P95Us)} | {Us(best.P99Us)} |"));
                }
            }

            md.AppendLine();
            List<AnnRun> builds = runs.GroupBy(r => $"{r.Engine} {r.Index}").Select(g => g.First()).OrderBy(r => r.Engine).ThenBy(r => r.Index).ToList();
            ReportPlots.Bars($"{first.Dataset}: index bytes per vector", "bytes per vector",
                builds.Select(r => ($"{r.Engine} {r.Index}", r.IndexBytes / (double)(r.Points ?? first.N))).ToList(), Path.Combine(directory, slug + "-bytes"));
            ReportPlots.Bars($"{first.Dataset}: build time", "seconds",
                builds.Select(r => ($"{r.Engine} {r.Index}", r.BuildSeconds)).ToList(), Path.Combine(directory, slug + "-build"));
            md.AppendLine("### Memory and build").AppendLine();
            md.AppendLine(Inv($"![bytes per vector]({slug}-bytes.png) ![build time]({slug}-build.png)")).AppendLine();
            md.AppendLine("| engine | index | build parameters | build s | phases | index bytes/vector | vector bytes searched | RSS growth MiB |");
            md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
            foreach (AnnRun r in builds)
            {
                string phases = string.Join(", ", r.BuildPhases.Select(p => Inv($"{p.Key.Replace("_seconds", "", StringComparison.Ordinal)} {p.Value:F2}")));
                string parameters = string.Join(" ", r.BuildParams.Select(p => $"{p.Key}={p.Value}"));
                md.AppendLine(Inv($"| {r.Engine} | {r.Index} | {parameters} | {r.BuildSeconds:F2} | {phases} | {r.IndexBytes / (double)(r.Points ?? first.N):N0} | {r.VectorBytesPerPoint:N0} | {(r.RssGrowthBytes is { } rss ? (rss / 1048576.0).ToString("F0", CultureInfo.InvariantCulture) : "-")} |"));
            }

            md.AppendLine();
        }

        string path = Path.Combine(directory, "README.md");
        File.WriteAllText(path, md.ToString());
        return path;
    }

    private static string Setting(AnnRun run) => string.Join(" ", run.SearchParams.Select(p => $"{p.Key}={p.Value}"));

    private static string Us(double? value) => value is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : "-";

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string CpuModel()
    {
        try
        {
            string? line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
            return line is null ? System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }
}
