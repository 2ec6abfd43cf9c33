using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace VectorEngine.Benchmarks.Memory;

/// <summary>
/// The machine's single-core sequential read bandwidth: sum a buffer far larger than the last-level cache with wide
/// loads and four accumulators. The exact scan is memory-bound; this is its ceiling.
/// </summary>
[Config(typeof(BaseConfig))]
public class MemoryReadBenchmarks
{
    private float[] _buffer = [];

    /// <summary>188 MB: the size of the fashion-mnist base set (60,000 x 784 floats).</summary>
    [Params(47_040_000)]
    public int Floats { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _buffer = new float[Floats];
        new Random(3).NextBytes(MemoryMarshal.AsBytes(_buffer.AsSpan()));
        for (int i = 0; i < _buffer.Length; i++)
        {
            _buffer[i] = i & 7;
        }
    }

    [Benchmark]
    public float SequentialRead()
    {
        ref float start = ref MemoryMarshal.GetArrayDataReference(_buffer);
        int n = _buffer.Length;
        int width = Vector<float>.Count;
        Vector<float> a0 = Vector<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + (4 * width) <= n; i += 4 * width)
        {
            a0 += Vector.LoadUnsafe(ref start, (nuint)i);
            a1 += Vector.LoadUnsafe(ref start, (nuint)(i + width));
            a2 += Vector.LoadUnsafe(ref start, (nuint)(i + (2 * width)));
            a3 += Vector.LoadUnsafe(ref start, (nuint)(i + (3 * width)));
        }

        return Vector.Sum(a0 + a1 + a2 + a3);
    }

    [Benchmark]
    public float SequentialRead512()
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            return SequentialRead();
        }

        ref float start = ref MemoryMarshal.GetArrayDataReference(_buffer);
        int n = _buffer.Length;
        Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + 64 <= n; i += 64)
        {
            a0 += Vector512.LoadUnsafe(ref start, (nuint)i);
            a1 += Vector512.LoadUnsafe(ref start, (nuint)(i + 16));
            a2 += Vector512.LoadUnsafe(ref start, (nuint)(i + 32));
            a3 += Vector512.LoadUnsafe(ref start, (nuint)(i + 48));
        }

        return Vector512.Sum(a0 + a1 + a2 + a3);
    }
}
