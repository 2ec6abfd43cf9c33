using VectorEngine.Bench.Planning;
using VectorEngine.Bench.Runs;

namespace VectorEngine.Bench.Tests;

/// <summary>Calibration runs of an HNSW series whose true costs are known: for the cost model's and its error's tests.</summary>
internal static class SyntheticCalibration
{
    /// <summary>
    /// One single-thread run per size and ef with the given time and recall, p95 1.5 × the mean, index bytes
    /// <see cref="IndexBytes"/>, disk 600 B/point.
    /// </summary>
    /// <param name="sizes">Index sizes.</param>
    /// <param name="efs">ef values swept at each size.</param>
    /// <param name="dim">The vectors' dimension.</param>
    /// <param name="seconds">Seconds per query by size and ef.</param>
    /// <param name="recall">Recall by size and ef.</param>
    /// <param name="visits">Vectors scored per query by size and ef (null: not counted, as a run of another index).</param>
    /// <param name="index">The index the runs are of (and their series).</param>
    /// <param name="shares">How the scored vectors fell on the rows by size and ef (null: not tallied).</param>
    public static List<(string Series, CalibrationPoint Point)> Runs(int[] sizes, int[] efs, int dim, Func<int, int, double> seconds, Func<int, int, double> recall,
        Func<int, int, double>? visits = null, string index = "hnsw", Func<int, int, VisitShares>? shares = null)
    {
        var points = new List<(string, CalibrationPoint)>();
        foreach (int n in sizes)
        {
            foreach (int ef in efs)
            {
                double s = seconds(n, ef);
                var run = new AnnRun
                {
                    Index = index,
                    Threads = 1,
                    K = 10,
                    Qps = 1 / s,
                    RecallAtK = recall(n, ef),
                    P95Us = 1.5 * s * 1e6,
                    IndexBytes = IndexBytes(n),
                    DistancesPerQuery = visits?.Invoke(n, ef),
                    VisitShares = shares?.Invoke(n, ef),
                    DiskBytes = 600L * n,
                    VectorBytesPerPoint = 4 * dim,
                    SearchParams = new() { ["ef"] = ef },
                };
                points.Add((index, new CalibrationPoint(run, n, dim)));
            }
        }

        return points;
    }

    /// <summary>
    /// A fitted hnsw-pq model (power-law time, ef for a recall growing with n) at <paramref name="dim"/>: for the tests
    /// of what a product-quantized index costs a node (its rescoring reads, its process).
    /// </summary>
    public static CostModel ProductQuantized(int dim) => Assert.Single(Calibration.FitAll(
        Runs([10_000, 20_000, 40_000], [16, 32, 64, 128], dim, (n, ef) => 2e-6 * Math.Pow(ef, 0.8) * Math.Pow(n, 0.1),
            (n, ef) => 1 - (0.05 * Math.Pow(ef / (16 * (1 + (0.25 * Math.Log(n / 1e4)))), -2)), index: "hnsw-pq"), out _));

    /// <summary>The index bytes every synthetic run reports at <paramref name="n"/> points.</summary>
    public static long IndexBytes(int n) => 1_000_000 + (300L * n);
}
