using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Quantization.Clustering;

namespace VectorEngine.Quantization.Tests;

/// <summary>k-means: the blocked nearest-centroid kernel against brute force, reproducibility, and recovered clusters.</summary>
public sealed unsafe class KMeansTests
{
    [Property(MaxTest = 60)]
    public Property The_panel_kernel_finds_the_brute_force_nearest_centroid() =>
        Prop.ForAll(
            (from seed in Gen.Choose(0, int.MaxValue)
             from dim in Gen.Choose(1, 70)
             from k in Gen.Choose(1, 80)
             from n in Gen.Choose(1, 130)
             from innerProduct in Gen.Elements(false, true)
             select (seed, dim, k, n, innerProduct)).ToArbitrary(),
            input =>
            {
                var random = new Random(input.seed);
                float[] centroids = Enumerable.Range(0, input.k * input.dim).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
                using var points = new KMeans.Matrix(input.n, input.dim);
                for (int i = 0; i < input.n; i++)
                {
                    Span<float> row = points.Row(i);
                    for (int d = 0; d < input.dim; d++)
                    {
                        row[d] = (float)(random.NextDouble() * 4 - 2);
                    }
                }

                using var panels = new CentroidPanels(centroids, input.k, input.dim, input.innerProduct);
                int[] labels = new int[input.n];
                float[] scores = new float[input.n];
                fixed (int* l = labels)
                fixed (float* s = scores)
                {
                    panels.Assign(points.Data, points.Stride, 0, input.n, l, s);
                }

                for (int i = 0; i < input.n; i++)
                {
                    float[] x = points.Row(i).ToArray();
                    double Cost(int c)
                    {
                        double dot = 0, norm = 0;
                        for (int d = 0; d < input.dim; d++)
                        {
                            dot += (double)x[d] * centroids[(c * input.dim) + d];
                            norm += (double)centroids[(c * input.dim) + d] * centroids[(c * input.dim) + d];
                        }

                        return input.innerProduct ? -dot : (norm / 2) - dot;
                    }

                    double best = Enumerable.Range(0, input.k).Min(Cost);
                    double chosen = Cost(labels[i]);

                    // Float32 sums may break a near-tie the other way; the chosen centroid is then as good up to rounding.
                    Assert.True(chosen <= best + (1e-4 * (1 + Math.Abs(best))), $"point {i}: chose {chosen}, best {best}");
                    Assert.Equal(chosen, scores[i], 1e-3 * (1 + Math.Abs(chosen)));
                }
            });

    [Fact]
    public void The_same_seed_gives_the_same_centroids_on_any_thread_count_and_another_seed_differs()
    {
        float[][] data = Clustered(7, 3_000, 24, 12);
        using var points = Matrix(data);
        float[] one = KMeans.Train(points.Data, points.Rows, points.Dimension, points.Stride, 12, 10, seed: 5, threads: 1);
        float[] all = KMeans.Train(points.Data, points.Rows, points.Dimension, points.Stride, 12, 10, seed: 5, threads: 0);
        float[] other = KMeans.Train(points.Data, points.Rows, points.Dimension, points.Stride, 12, 10, seed: 6, threads: 0);
        Assert.Equal(one, all);
        Assert.NotEqual(one, other);
    }

    [Fact]
    public void Well_separated_clusters_are_recovered_and_empty_clusters_are_split()
    {
        float[][] centres = Enumerable.Range(0, 8).Select(c => Enumerable.Range(0, 16).Select(d => d == c ? 100f : 0f).ToArray()).ToArray();
        float[][] data = Clustered(11, 4_000, 16, 8, centres);
        using var points = Matrix(data);
        float[] centroids = KMeans.Train(points.Data, points.Rows, 16, points.Stride, 8, 20, seed: 3, threads: 0);
        foreach (float[] centre in centres)
        {
            double nearest = Enumerable.Range(0, 8).Min(c => VectorDistance.SquaredL2(centre, centroids.AsSpan(c * 16, 16)));
            Assert.True(nearest < 1.0, $"a true centre is {Math.Sqrt(nearest):F2} from every centroid");
        }

        // Ten centroids for eight tight clusters: none may stay empty (a copy of another) after the iterations.
        float[] ten = KMeans.Train(points.Data, points.Rows, 16, points.Stride, 10, 20, seed: 3, threads: 0);
        var rows = Enumerable.Range(0, 10).Select(c => string.Join(',', ten.AsSpan(c * 16, 16).ToArray())).ToHashSet();
        Assert.Equal(10, rows.Count);
    }

    private static float[][] Clustered(int seed, int n, int dim, int clusters, float[][]? centres = null)
    {
        var random = new Random(seed);
        centres ??= Enumerable.Range(0, clusters).Select(_ => Enumerable.Range(0, dim).Select(_ => (float)(random.NextDouble() * 20)).ToArray()).ToArray();
        return Enumerable.Range(0, n)
            .Select(i => centres[i % centres.Length].Select(v => v + (float)(random.NextDouble() - 0.5)).ToArray())
            .ToArray();
    }

    private static KMeans.Matrix Matrix(float[][] rows)
    {
        var matrix = new KMeans.Matrix(rows.Length, rows[0].Length);
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i].CopyTo(matrix.Row(i));
        }

        return matrix;
    }
}
