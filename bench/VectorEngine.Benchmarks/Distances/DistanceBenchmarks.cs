using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;

namespace VectorEngine.Benchmarks.Distances;

/// <summary>
/// Pairwise kernels at the embedding sizes that matter: ours vs TensorPrimitives vs a scalar loop. TensorPrimitives
/// has no squared L2, so its L2 figure is <c>Distance</c> (with a square root) — what a caller would otherwise use.
/// </summary>
[Config(typeof(BaseConfig))]
public class DistanceBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];

    [Params(128, 384, 768, 1536)]
    public int Dim { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _a = Enumerable.Range(0, Dim).Select(_ => (float)random.NextDouble()).ToArray();
        _b = Enumerable.Range(0, Dim).Select(_ => (float)random.NextDouble()).ToArray();
    }

    [Benchmark(Baseline = true)]
    public float L2_Ours() => VectorDistance.SquaredL2(_a, _b);

    [Benchmark]
    public float L2_TensorPrimitives() => TensorPrimitives.Distance(_a, _b);

    [Benchmark]
    public float L2_Scalar()
    {
        float sum = 0;
        for (int i = 0; i < _a.Length; i++)
        {
            float d = _a[i] - _b[i];
            sum += d * d;
        }

        return sum;
    }

    [Benchmark]
    public float Dot_Ours() => VectorDistance.Dot(_a, _b);

    [Benchmark]
    public float Dot_TensorPrimitives() => TensorPrimitives.Dot(_a, _b);

    [Benchmark]
    public float Dot_Scalar()
    {
        float sum = 0;
        for (int i = 0; i < _a.Length; i++)
        {
            sum += _a[i] * _b[i];
        }

        return sum;
    }
}
