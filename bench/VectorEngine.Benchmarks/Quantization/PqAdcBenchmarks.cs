using BenchmarkDotNet.Attributes;
using VectorEngine.Benchmarks.Hnsw;
using VectorEngine.Indexing.Quantization;
using VectorEngine.Indexing.Scoring;
using VectorEngine.Quantization.Product;
using VectorEngine.Segments;

namespace VectorEngine.Benchmarks.Quantization;

/// <summary>
/// PQ asymmetric distance computation: one query's lookup table built, then every code of the segment scored against
/// it (what an HNSW-PQ traversal and an IVF-PQ list scan do per candidate). Must allocate 0 B per query.
/// </summary>
[Config(typeof(BaseConfig))]
public class PqAdcBenchmarks
{
    private GrowableVectorStore _store = null!;
    private IQuantizedVectors _codes = null!;
    private float[][] _queries = [];
    private readonly ScratchBuffer _scratch = new();
    private int _next;

    /// <summary>Sub-quantizers (bytes per code).</summary>
    [Params(16, 32)]
    public int M { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (float[][] data, float[][] queries) = BenchData.Sift10kOrRandom();
        _queries = queries;
        _store = BenchData.Store(data);
        _codes = new PqQuantizerFactory().Train(_store, new Dictionary<string, string> { ["m"] = M.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _codes.Dispose();
        _store.Dispose();
    }

    /// <summary>Table and a scan of every code; returns the smallest distance.</summary>
    [Benchmark]
    public float TableAndScan()
    {
        var scan = new ScanAll(_codes.Count);
        return _codes.Score<ScanAll, float>(_queries[_next++ % _queries.Length], _scratch, ref scan);
    }

    private readonly struct ScanAll(int count) : IScorerUser<float>
    {
        public float Use<TScorer>(TScorer scorer)
            where TScorer : struct, IVectorScorer
        {
            float best = float.MaxValue;
            for (uint row = 0; row < (uint)count; row++)
            {
                best = MathF.Min(best, scorer.Distance(row));
            }

            return best;
        }
    }
}
