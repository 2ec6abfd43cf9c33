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
    public static TempDirectory TempDir() => new(System.IO.Path.GetTempPath());

    /// <summary>
    /// A fresh directory for a fault-injecting file system's scenarios: in memory (/dev/shm) where the machine has it,
    /// else under the system temp folder. That file system decides what survives a fault from its own model and issues
    /// no real fsync inside its folder, so the disk below only costs time: the fault scenarios took 106 s on this VM's
    /// disk and 42 s on /dev/shm, a minute of the default suite.
    /// </summary>
    public static TempDirectory ModelledTempDir()
    {
        if (Directory.Exists(SharedMemory))
        {
            try
            {
                return new TempDirectory(SharedMemory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A read-only or full /dev/shm: the disk is only slower.
            }
        }

        return TempDir();
    }

    private const string SharedMemory = "/dev/shm";
}

internal sealed class TempDirectory : IDisposable
{
    public TempDirectory(string parent)
    {
        Path = System.IO.Path.Combine(parent, "vectorengine-tests", Guid.NewGuid().ToString("N"));
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
