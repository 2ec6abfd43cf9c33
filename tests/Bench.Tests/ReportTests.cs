using VectorEngine.Bench.Reports;
using VectorEngine.Bench.Runs;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Bench.Tests;

/// <summary>bench report renders every dataset's charts (PNG and SVG) and picks the fastest setting per recall target.</summary>
public sealed class ReportTests
{
    [Fact]
    public void The_report_has_charts_and_the_fastest_setting_at_each_recall_target()
    {
        static AnnRun Run(string engine, int ef, double recall, double qps, string call = "single") => new()
        {
            Engine = engine, Index = "hnsw", Threads = 1, K = 10, Call = call, RecallAtK = recall, Qps = qps, IndexBytes = 1_000_000, BuildSeconds = 2,
            SearchParams = new() { ["ef"] = ef }, P50Us = call == "single" ? 1e6 / qps : null, P95Us = call == "single" ? 2e6 / qps : null,
        };
        var ours = new AnnReport
        {
            Dataset = "tiny", Metric = "L2", N = 1000, Dim = 8,
            Runs = [Run("vectorengine", 16, 0.91, 9000), Run("vectorengine", 32, 0.96, 6000), Run("vectorengine", 64, 0.995, 3000)],
        };
        var peers = new AnnReport { Dataset = "tiny", Metric = "L2", N = 1000, Dim = 8, Runs = [Run("hnswlib", 32, 0.97, 4000, "batch")] };
        using TempDirectory dir = Data.TempDir();

        string path = MarkdownReport.Write([ours, peers], dir.Path);

        string md = File.ReadAllText(path);
        foreach (string chart in (string[])["tiny-recall-qps", "tiny-bytes", "tiny-build"])
        {
            Assert.True(new FileInfo(Path.Combine(dir.Path, chart + ".png")).Length > 1000, chart);
            Assert.True(new FileInfo(Path.Combine(dir.Path, chart + ".svg")).Length > 1000, chart);
            Assert.Contains(chart + ".png", md);
        }

        Assert.Contains("| vectorengine hnsw, 1 thread | 0.95 | ef=32 | 0.9600 | 6,000 | 167 | 333 |", md);
        Assert.Contains("| vectorengine hnsw, 1 thread | 0.99 | ef=64 | 0.9950 | 3,000 |", md);
        Assert.Contains("| hnswlib hnsw, 1 thread | 0.95 | ef=32 | 0.9700 | 4,000 (batch) | - | - |", md);
        Assert.Contains("| hnswlib hnsw, 1 thread | 0.99 | not reached |", md);
        Assert.Contains("| vectorengine | hnsw |  | 2.00 |  | 1,000 |", md);
    }
}
