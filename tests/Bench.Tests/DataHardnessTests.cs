using VectorEngine.Bench.Planning;

namespace VectorEngine.Bench.Tests;

/// <summary>The hardness estimates on data whose true intrinsic dimension, duplicate share and norm spread are known.</summary>
public sealed class DataHardnessTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void Local_intrinsic_dimension_follows_the_dimension_of_the_subspace_the_data_lives_in_not_the_ambient_one()
    {
        DataHardness two = DataHardness.Estimate(InSubspace(5000, 2, 64, seed: 1), angular: false);
        DataHardness six = DataHardness.Estimate(InSubspace(5000, 6, 64, seed: 2), angular: false);
        DataHardness sixteen = DataHardness.Estimate(InSubspace(5000, 16, 64, seed: 3), angular: false);
        output.WriteLine($"LID {two.LidMean:F2} / {six.LidMean:F2} / {sixteen.LidMean:F2}, contrast {two.RelativeContrast:F2} / {six.RelativeContrast:F2} / {sixteen.RelativeContrast:F2}");
        Assert.InRange(two.LidMean, 1.6, 2.6);
        Assert.InRange(six.LidMean, 4.8, 7.2);
        Assert.InRange(sixteen.LidMean, 11, 19);
        Assert.True(two.RelativeContrast > six.RelativeContrast && six.RelativeContrast > sixteen.RelativeContrast,
            $"relative contrast should fall as the data gets harder: {two.RelativeContrast:F2}, {six.RelativeContrast:F2}, {sixteen.RelativeContrast:F2}");
        Assert.Equal(0, sixteen.NearDuplicateShare);
    }

    [Fact]
    public void Near_duplicates_and_norm_spread_are_counted()
    {
        // 4,000 points and 1,000 reposts of the first 1,000 with a tiny edit: 2,000 of 5,000 have a near twin.
        List<float[]> points = InSubspace(4000, 8, 32, seed: 4);
        var random = new Random(5);
        for (int i = 0; i < 1000; i++)
        {
            points.Add([.. points[i].Select(x => x + (float)(random.NextDouble() * 1e-4))]);
        }

        DataHardness hardness = DataHardness.Estimate(points, angular: false);
        output.WriteLine($"near-duplicate share {hardness.NearDuplicateShare:F3}");
        Assert.InRange(hardness.NearDuplicateShare, 0.33, 0.47);

        // Norms uniform in [1, 3]: spread (2/sqrt 12)/2 = 0.289; the same data normalised has none.
        List<float[]> scaled = [.. InSubspace(3000, 8, 32, seed: 6).Select(Unit).Select((v, i) => v.Select(x => x * (1 + (2f * (i % 1000) / 999))).ToArray())];
        Assert.InRange(DataHardness.Estimate(scaled, angular: true).NormSpread, 0.27, 0.31);
        Assert.InRange(DataHardness.Estimate([.. scaled.Select(Unit)], angular: true).NormSpread, 0, 1e-6);
    }

    [Fact]
    public void A_bench_ann_report_carries_the_hardness_to_the_planner()
    {
        DataHardness hardness = DataHardness.Estimate(InSubspace(500, 4, 16, seed: 7), angular: false, sample: 100);
        string path = Path.Combine(Path.GetTempPath(), $"hardness-{Guid.NewGuid():N}.json");
        try
        {
            var report = new VectorEngine.Bench.Runs.AnnReport { Dataset = "four-d", Metric = "L2", N = 500, Dim = 16, Hardness = hardness };
            File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(report));
            Assert.Equal([("four-d", hardness)], Calibration.HardnessOf([path]));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Too_few_points_are_refused()
    {
        Assert.Throws<ArgumentException>(() => DataHardness.Estimate(InSubspace(15, 2, 4, seed: 1), angular: false));
    }

    /// <summary>Gaussian points in a random <paramref name="intrinsic"/>-dimensional subspace of <paramref name="dim"/>.</summary>
    private static List<float[]> InSubspace(int count, int intrinsic, int dim, int seed)
    {
        var random = new Random(seed);
        float[][] basis = [.. Enumerable.Range(0, intrinsic).Select(_ => Enumerable.Range(0, dim).Select(_ => (float)Normal(random)).ToArray())];
        var points = new List<float[]>(count);
        for (int i = 0; i < count; i++)
        {
            float[] v = new float[dim];
            foreach (float[] direction in basis)
            {
                float c = (float)Normal(random);
                for (int d = 0; d < dim; d++)
                {
                    v[d] += c * direction[d];
                }
            }

            points.Add(v);
        }

        return points;
    }

    private static float[] Unit(float[] v)
    {
        float norm = MathF.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
