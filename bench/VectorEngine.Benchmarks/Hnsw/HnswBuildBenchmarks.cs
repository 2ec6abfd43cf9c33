using BenchmarkDotNet.Attributes;
using VectorEngine.Hnsw;
using VectorEngine.Segments;

namespace VectorEngine.Benchmarks.Hnsw;

/// <summary>
/// A whole graph build (M=16, efConstruction=200) over SIFT-10k (or random 128-d data), warm: the figure to set beside
/// hnswlib's build time, without the JIT and segment-file costs that <c>bench ann</c>'s first build includes.
/// </summary>
[Config(typeof(BaseConfig))]
public class HnswBuildBenchmarks
{
    private GrowableVectorStore _store = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (float[][] data, _) = BenchData.Sift10kOrRandom();
        _store = BenchData.Store(data);
    }

    [GlobalCleanup]
    public void Cleanup() => _store.Dispose();

    [Benchmark]
    public int Build()
    {
        using HnswIndex index = HnswIndex.Build(_store, new HnswParameters { BuildThreads = Threads });
        return index.Count;
    }
}
