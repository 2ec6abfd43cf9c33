using BenchmarkDotNet.Attributes;

namespace VectorEngine.Benchmarks.Distances;

/// <summary>
/// One query against a block of rows (the exact-scan shape), with the block far larger than the caches, so the figure
/// is a read bandwidth to compare with <see cref="Memory.MemoryReadBenchmarks"/>.
/// </summary>
[Config(typeof(BaseConfig))]
public class ScanBenchmarks
{
    private float[] _block = [];
    private float[] _query = [];
    private float[] _distances = [];

    [Params(784)]
    public int Dim { get; set; }

    [Params(60_000)]
    public int Rows { get; set; }

    public long Bytes => (long)Dim * Rows * sizeof(float);

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(2);
        _block = new float[Dim * Rows];
        for (int i = 0; i < _block.Length; i++)
        {
            _block[i] = (float)random.NextDouble();
        }

        _query = _block.AsSpan(0, Dim).ToArray();
        _distances = new float[Rows];
    }

    [Benchmark]
    public void L2_OneToMany() => VectorDistance.Distances(DistanceMetric.L2, _query, _block, Dim, _distances);
}
