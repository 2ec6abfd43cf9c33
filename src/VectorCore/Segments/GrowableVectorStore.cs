using System.Runtime.InteropServices;
using VectorEngine.Indexing;

namespace VectorEngine.Segments;

/// <summary>
/// The mutable segment's vectors in one 64-byte-aligned native block that doubles when full. Growth happens under
/// the collection's write lock, so readers (under the read lock) never see the block move.
/// </summary>
internal sealed unsafe class GrowableVectorStore : IVectorStore, IDisposable
{
    private float* _base;
    private int _capacity;

    public GrowableVectorStore(int dimension, DistanceMetric metric, int initialCapacity = 1024)
    {
        Dimension = dimension;
        Stride = StrideFor(dimension);
        Metric = metric;
        _capacity = Math.Max(16, initialCapacity);
        _base = (float*)NativeMemory.AlignedAlloc((nuint)_capacity * (nuint)Stride * sizeof(float), 64);
        GC.AddMemoryPressure(Bytes);
    }

    public int Count { get; private set; }

    public int Dimension { get; }

    public int Stride { get; }

    public float* Base => _base;

    public DistanceMetric Metric { get; }

    public long Bytes => (long)_capacity * Stride * sizeof(float);

    /// <summary>Rows are padded to 16 floats so every row starts on a 64-byte boundary.</summary>
    public static int StrideFor(int dimension) => (dimension + 15) & ~15;

    public ReadOnlySpan<float> GetVector(uint offset) => new(_base + ((nint)offset * Stride), Dimension);

    public uint Append(ReadOnlySpan<float> vector)
    {
        if (Count == _capacity)
        {
            Grow();
        }

        float* row = _base + ((nint)Count * Stride);
        vector.CopyTo(new Span<float>(row, Dimension));
        new Span<float>(row + Dimension, Stride - Dimension).Clear();
        return (uint)Count++;
    }

    public void Dispose()
    {
        if (_base != null)
        {
            GC.RemoveMemoryPressure(Bytes);
            NativeMemory.AlignedFree(_base);
            _base = null;
        }
    }

    private void Grow()
    {
        long oldBytes = Bytes;
        int newCapacity = checked(_capacity * 2);
        float* bigger = (float*)NativeMemory.AlignedAlloc((nuint)newCapacity * (nuint)Stride * sizeof(float), 64);
        Buffer.MemoryCopy(_base, bigger, (long)newCapacity * Stride * sizeof(float), (long)Count * Stride * sizeof(float));
        NativeMemory.AlignedFree(_base);
        _base = bigger;
        _capacity = newCapacity;
        GC.AddMemoryPressure(Bytes - oldBytes);
    }
}
