using VectorEngine.Segments;

namespace VectorEngine.Benchmarks.Hnsw;

/// <summary>SIFT-10k base and queries when unpacked, else random data of the same shape.</summary>
internal static class BenchData
{
    public static (float[][] Data, float[][] Queries) Sift10kOrRandom()
    {
        string dir = Environment.GetEnvironmentVariable("VECTORENGINE_SIFT10K") ?? "/tmp/data/sift-bigann-10k-euclidean";
        if (File.Exists(Path.Combine(dir, "base.fvecs")) && File.Exists(Path.Combine(dir, "query.fvecs")))
        {
            return (ReadFvecs(Path.Combine(dir, "base.fvecs")), ReadFvecs(Path.Combine(dir, "query.fvecs")));
        }

        var random = new Random(7);
        float[][] Make(int n) => Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, 128).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        return (Make(9_000), Make(1_000));
    }

    /// <summary>The rows in an L2 segment store (the caller disposes it).</summary>
    public static GrowableVectorStore Store(float[][] data)
    {
        var store = new GrowableVectorStore(data[0].Length, DistanceMetric.L2);
        foreach (float[] row in data)
        {
            store.Append(row);
        }

        return store;
    }

    private static float[][] ReadFvecs(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        var rows = new List<float[]>();
        while (reader.BaseStream.Position < reader.BaseStream.Length)
        {
            int dim = reader.ReadInt32();
            var row = new float[dim];
            for (int i = 0; i < dim; i++)
            {
                row[i] = reader.ReadSingle();
            }

            rows.Add(row);
        }

        return rows.ToArray();
    }
}
