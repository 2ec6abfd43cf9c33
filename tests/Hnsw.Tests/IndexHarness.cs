using VectorEngine.Indexing;
using VectorEngine.Segments;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Hnsw.Tests;

/// <summary>An index (HNSW, IVF) over a real segment store, with recall measured against the float64 brute force.</summary>
internal sealed class IndexHarness : IDisposable
{
    public IndexHarness(DistanceMetric metric, int dim, int capacity = 1024)
    {
        Metric = metric;
        Store = new GrowableVectorStore(dim, metric, capacity);
    }

    public DistanceMetric Metric { get; }

    public GrowableVectorStore Store { get; }

    public List<float[]> Vectors { get; } = [];

    public Bitset Deleted { get; } = new();

    public void Append(IEnumerable<float[]> vectors)
    {
        foreach (float[] v in vectors)
        {
            float[] stored = Metric == DistanceMetric.Cosine ? Normalised(v) : v;
            Store.Append(stored);
            Vectors.Add(stored);
        }
    }

    /// <summary>Offsets of the k nearest live points, from the index.</summary>
    public uint[] Search(IVectorIndex index, float[] query, int k, int ef) => Search(index, query, k, new SearchParams { Ef = ef });

    /// <summary>The query as the index expects it (normalised for cosine).</summary>
    public float[] Prepare(float[] query) => Metric == DistanceMetric.Cosine ? Normalised(query) : query;

    /// <summary>Offsets of the k nearest live points, from the index, with any search parameters.</summary>
    public uint[] Search(IVectorIndex index, float[] query, int k, SearchParams parameters)
    {
        var collector = new TopKCollector(k);
        float[] q = Prepare(query);
        index.Search(q, parameters, new LiveFilter(Deleted), collector);
        var distances = new float[k];
        var offsets = new uint[k];
        int n = collector.DrainSorted(distances, offsets);
        return offsets[..n];
    }

    /// <summary>Offsets of the exact k nearest live points (float64 brute force).</summary>
    public HashSet<uint> Exact(float[] query, int k)
    {
        float[] q = Metric == DistanceMetric.Cosine ? Normalised(query) : query;
        return BruteForce.TopK(Metric, q, Live(), k).Select(x => x.Id).ToHashSet();
    }

    /// <summary>Mean recall@k over the queries against answers already computed (<see cref="Exact"/>), for comparing indexes.</summary>
    public double Recall(IVectorIndex index, float[][] queries, HashSet<uint>[] truth, int k, int ef) =>
        queries.Select((q, i) => Search(index, q, k, ef).Count(truth[i].Contains) / (double)k).Average();

    /// <summary>Mean recall@k over the queries against the exact answer among live points.</summary>
    public double Recall(IVectorIndex index, float[][] queries, int k, int ef) => Recall(index, queries, k, new SearchParams { Ef = ef });

    /// <summary>Mean recall@k over the queries, with any search parameters.</summary>
    public double Recall(IVectorIndex index, float[][] queries, int k, SearchParams parameters)
    {
        double total = 0;
        foreach (float[] query in queries)
        {
            HashSet<uint> truth = Exact(query, k);
            total += Search(index, query, k, parameters).Count(truth.Contains) / (double)k;
        }

        return total / queries.Length;
    }

    public void Dispose() => Store.Dispose();

    private IEnumerable<(uint Id, float[] Vector)> Live()
    {
        for (int i = 0; i < Vectors.Count; i++)
        {
            if (!Deleted.Get((uint)i))
            {
                yield return ((uint)i, Vectors[i]);
            }
        }
    }

    private static float[] Normalised(float[] v)
    {
        double norm = Math.Sqrt(v.Sum(x => (double)x * x));
        return v.Select(x => (float)(x / norm)).ToArray();
    }
}
