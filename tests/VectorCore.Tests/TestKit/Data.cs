namespace VectorEngine.Tests.TestKit;

/// <summary>Seeded test data.</summary>
internal static class Data
{
    public static float[] RandomVector(Random random, int dim, float scale = 1f)
    {
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++)
        {
            v[i] = (float)((random.NextDouble() * 2) - 1) * scale;
        }

        return v;
    }

    public static float[][] RandomVectors(int seed, int count, int dim)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => RandomVector(random, dim)).ToArray();
    }

    /// <summary>A fresh directory under the system temp folder, deleted on dispose.</summary>
    public static TempDirectory TempDir() => new();
}

internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "vectorengine-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
