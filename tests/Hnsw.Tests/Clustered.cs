namespace VectorEngine.Hnsw.Tests;

/// <summary>
/// Gaussian clusters: closer to real embeddings than uniform noise (whose neighbours are nearly equidistant, which
/// makes any ANN index look bad) and still seeded and small.
/// </summary>
internal static class Clustered
{
    public static float[][] Vectors(int seed, int count, int dim, int clusters = 40, double spread = 0.25)
    {
        var random = new Random(seed);
        float[][] centres = Enumerable.Range(0, clusters)
            .Select(_ => Enumerable.Range(0, dim).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray())
            .ToArray();
        var result = new float[count][];
        for (int i = 0; i < count; i++)
        {
            float[] centre = centres[random.Next(clusters)];
            var v = new float[dim];
            for (int d = 0; d < dim; d++)
            {
                v[d] = centre[d] + (float)(Gaussian(random) * spread);
            }

            result[i] = v;
        }

        return result;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
