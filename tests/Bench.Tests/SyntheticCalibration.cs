using VectorEngine.Bench.Planning;
using VectorEngine.Bench.Runs;

namespace VectorEngine.Bench.Tests;

/// <summary>Calibration runs of an HNSW series whose true costs are known: for the cost model's and its error's tests.</summary>
internal static class SyntheticCalibration
{
    /// <summary>
    /// One single-thread run per size and ef with the given time and recall, p95 1.5 × the mean, index bytes
    /// 1 MB + 300 B/point, disk 600 B/point.
    /// </summary>
    public static List<(string Series, CalibrationPoint Point)> Runs(int[] sizes, int[] efs, int dim, Func<int, int, double> seconds, Func<int, int, double> recall)
    {
        var points = new List<(string, CalibrationPoint)>();
        foreach (int n in sizes)
        {
            foreach (int ef in efs)
            {
                double s = seconds(n, ef);
                var run = new AnnRun
                {
                    Index = "hnsw",
                    Threads = 1,
                    K = 10,
                    Qps = 1 / s,
                    RecallAtK = recall(n, ef),
                    P95Us = 1.5 * s * 1e6,
                    IndexBytes = 1_000_000 + (300L * n),
                    DiskBytes = 600L * n,
                    VectorBytesPerPoint = 4 * dim,
                    SearchParams = new() { ["ef"] = ef },
                };
                points.Add(("hnsw", new CalibrationPoint(run, n, dim)));
            }
        }

        return points;
    }
}
