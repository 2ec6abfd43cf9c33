using BenchmarkDotNet.Attributes;
using VectorEngine.Indexing;

namespace VectorEngine.Benchmarks.Distances;

/// <summary>
/// One query against 60,000 x 784 aligned rows (fashion-mnist's shape, 188 MB, far beyond the caches): the raw
/// one-to-many kernel, and the engine's exact scan with its top-k collector. Compare the time with
/// <see cref="Memory.MemoryReadBenchmarks"/> for the fraction of read bandwidth reached.
/// </summary>
[Config(typeof(BaseConfig))]
public unsafe class ScanBenchmarks
{
    private NativeBuffer _block = null!;
    private float[] _query = [];
    private float[] _distances = [];
    private AlignedStore _store = null!;
    private TopKCollector _collector = null!;
    private Bitset _deleted = null!;

    [Params(784)]
    public int Dim { get; set; }

    [Params(60_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(2);
        _block = new NativeBuffer((long)Dim * Rows);
        for (long i = 0; i < _block.Length; i++)
        {
            _block.Pointer[i] = (float)random.NextDouble();
        }

        _query = _block.Slice(0, Dim).ToArray();
        _distances = new float[Rows];
        _store = new AlignedStore(_block, Rows, Dim);
        _collector = new TopKCollector(10);
        _deleted = new Bitset(Rows);
    }

    [GlobalCleanup]
    public void Cleanup() => _block.Dispose();

    [Benchmark]
    public void Kernel_OneToMany() =>
        VectorDistance.Distances(DistanceMetric.L2, _query, new ReadOnlySpan<float>(_block.Pointer, checked((int)_block.Length)), Dim, _distances);

    [Benchmark]
    public int ExactScan_Top10()
    {
        _collector.Reset(10);
        ExactScan.All(_store, _query, new LiveFilter(_deleted), _collector);
        return _collector.Count;
    }

    private sealed class AlignedStore(NativeBuffer buffer, int count, int dim) : IVectorStore
    {
        public int Count => count;

        public int Dimension => dim;

        public int Stride => dim;

        public float* Base => buffer.Pointer;

        public DistanceMetric Metric => DistanceMetric.L2;

        public ReadOnlySpan<float> GetVector(uint offset) => buffer.Slice((long)offset * dim, dim);
    }
}
