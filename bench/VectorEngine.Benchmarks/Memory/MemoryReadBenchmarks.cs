using System.Numerics;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace VectorEngine.Benchmarks.Memory;

/// <summary>
/// The machine's single-core sequential read bandwidth: sum a 64-byte-aligned buffer far larger than the last-level
/// cache with wide loads and four accumulators. The exact scan is memory-bound; this is its ceiling.
/// </summary>
[Config(typeof(BaseConfig))]
public unsafe class MemoryReadBenchmarks
{
    private NativeBuffer _buffer = null!;

    /// <summary>188 MB: the size of the fashion-mnist base set (60,000 x 784 floats).</summary>
    [Params(47_040_000)]
    public int Floats { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _buffer = new NativeBuffer(Floats);
        for (long i = 0; i < Floats; i++)
        {
            _buffer.Pointer[i] = i & 7;
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _buffer.Dispose();

    [Benchmark]
    public float SequentialRead256()
    {
        float* p = _buffer.Pointer;
        long n = Floats;
        Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        for (long i = 0; i + 32 <= n; i += 32)
        {
            a0 += Vector256.LoadAligned(p + i);
            a1 += Vector256.LoadAligned(p + i + 8);
            a2 += Vector256.LoadAligned(p + i + 16);
            a3 += Vector256.LoadAligned(p + i + 24);
        }

        return Vector256.Sum(a0 + a1 + a2 + a3);
    }

    [Benchmark]
    public float SequentialRead512()
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            return SequentialRead256();
        }

        float* p = _buffer.Pointer;
        long n = Floats;
        Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        for (long i = 0; i + 64 <= n; i += 64)
        {
            a0 += Vector512.LoadAligned(p + i);
            a1 += Vector512.LoadAligned(p + i + 16);
            a2 += Vector512.LoadAligned(p + i + 32);
            a3 += Vector512.LoadAligned(p + i + 48);
        }

        return Vector512.Sum(a0 + a1 + a2 + a3);
    }
}
