using VectorEngine.Bench.Datasets;
using VectorEngine.Bench.Planning;
using VectorEngine.Bench.Runs;
using VectorEngine.Hnsw;
using VectorEngine.Hnsw.Tests;
using VectorEngine.Indexing;
using VectorEngine.Tests.TestKit;
using Xunit.Abstractions;

namespace VectorEngine.Bench.Tests;

/// <summary>
/// The planner's cost model against the machine it runs on: calibrated on HNSW runs at three sizes, it predicts a
/// fourth size that it never saw, measured the same way in the same sitting.
/// </summary>
/// <remarks>
/// The held-back size lies between calibration sizes. Held back beyond them (4k-16k predicting 32k, 128-d), the model
/// read -2% to +47% fast over six runs on the 2-core VM: from 10 MB to 20 MB the index outgrows the caches this VM's
/// CPU gives it, and no power law fitted below that edge sees it coming — which is why bench/README.md tells you to
/// calibrate at sizes that already exceed the last-level cache, as production indexes do. Held back inside the
/// calibrated range, the same model read 3-12% slow over three runs.
/// </remarks>
[Collection(TimingCollection.Name)]
public sealed class PlannerCalibrationTests(ITestOutputHelper output)
{
    private const int Dimension = 128;
    private const int HeldBackSize = 8_000;
    private const int Rounds = 3;
    private static readonly int[] CalibrationSizes = [2_000, 4_000, 16_000];
    private static readonly int[] Efs = [16, 32, 64];

    [Fact]
    public void Calibrated_on_three_sizes_predicts_the_fourth_within_25_percent()
    {
        int largest = CalibrationSizes.Max();
        float[][] vectors = Clustered.Vectors(seed: 11, largest + 200, Dimension, clusters: 60);
        var full = new Dataset { Name = "clustered", Metric = DistanceMetric.L2, Base = vectors[..largest], Queries = vectors[largest..], GroundTruth = null };
        IndexSpec spec = HnswOptionsExtensions.Spec(new HnswParameters { M = 12, EfConstruction = 64 });
        int[] sizes = [.. CalibrationSizes, HeldBackSize];
        Array.Sort(sizes);

        Dictionary<int, AnnRun[]> measured = MeasureRoundRobin(sizes.Select(full.Prefix).ToArray());
        foreach ((int size, AnnRun[] runs) in measured)
        {
            output.WriteLine($"n={size}: " + string.Join(", ", runs.Select(r => $"ef={r.SearchParams["ef"]} {r.Qps:N0} QPS recall {r.RecallAtK:F4}")));
        }

        CostModel model = Assert.Single(Calibration.FitAll(
            CalibrationSizes.SelectMany(size => measured[size].Select(r => ("hnsw", new CalibrationPoint(r, size, Dimension)))), out IReadOnlyList<string> skipped));
        Assert.Empty(skipped);
        output.WriteLine(model.Describe());

        AnnRun[] heldBack = measured[HeldBackSize];
        foreach (AnnRun run in heldBack)
        {
            int ef = (int)run.SearchParams["ef"];
            double predictedQps = model.Qps(HeldBackSize, ef);
            output.WriteLine($"held back n={HeldBackSize}, ef={ef}: measured {run.Qps:N0} QPS, predicted {predictedQps:N0}; recall measured {run.RecallAtK:F4}, predicted {model.Recall(HeldBackSize, ef):F4}");
            Assert.InRange(predictedQps / run.Qps, 0.75, 1.25);
        }

        double predictedBytes = model.IndexBytes(HeldBackSize, Dimension);
        double predictedDisk = model.DiskBytes(HeldBackSize, Dimension);
        output.WriteLine($"index bytes: measured {heldBack[0].IndexBytes:N0}, predicted {predictedBytes:N0}; disk measured {heldBack[0].DiskBytes:N0}, predicted {predictedDisk:N0}");
        Assert.InRange(predictedBytes / heldBack[0].IndexBytes, 0.75, 1.25);
        Assert.InRange(predictedDisk / heldBack[0].DiskBytes!.Value, 0.75, 1.25);
    }

    /// <summary>
    /// Builds every size in a real database, as bench ann does, then times one thread at each ef, size after size, for
    /// <see cref="Rounds"/> rounds, keeping each setting's best round: a shared machine's drift then slows all sizes
    /// alike instead of the ones measured last.
    /// </summary>
    private static Dictionary<int, AnnRun[]> MeasureRoundRobin(Dataset[] datasets)
    {
        using TempDirectory dir = Data.TempDir();
        var runners = datasets.Select(d => new AnnRunner(d, "hnsw", HnswOptionsExtensions.Spec(new HnswParameters { M = 12, EfConstruction = 64 }), selectivity: null, exactFilterThreshold: null)).ToArray();
        BuildResult[] built = runners.Select((r, i) => r.Build(Path.Combine(dir.Path, i.ToString()))).ToArray();
        try
        {
            var best = datasets.Select(_ => new AnnRun?[Efs.Length]).ToArray();
            for (int round = 0; round < Rounds; round++)
            {
                for (int i = 0; i < datasets.Length; i++)
                {
                    for (int e = 0; e < Efs.Length; e++)
                    {
                        AnnRun run = runners[i].Search(built[i], k: 10, threads: 1, new SearchParams { Ef = Efs[e] }, new() { ["ef"] = Efs[e] });
                        if (best[i][e] is not { } kept || run.Qps > kept.Qps)
                        {
                            best[i][e] = run;
                        }
                    }
                }
            }

            return datasets.Select((d, i) => (d.Base.Length, Runs: best[i].Select(r => r!).ToArray())).ToDictionary(p => p.Length, p => p.Runs);
        }
        finally
        {
            foreach (BuildResult b in built)
            {
                b.Db.Dispose();
            }
        }
    }
}
