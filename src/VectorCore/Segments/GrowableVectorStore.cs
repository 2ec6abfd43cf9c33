using VectorEngine.Indexing;
using VectorEngine.Memory;

namespace VectorEngine.Segments;

/// <summary>
/// The mutable segment's vectors in one 64-byte-aligned native block that doubles when full. Growth happens under
/// the collection's write lock, so readers (under the read lock) never see the block move.
/// </summary>
internal sealed unsafe class GrowableVectorStore : IVectorStore, IDisposable
{
    private LargeBlock _block;
    private int _capacity;

    public GrowableVectorStore(int dimension, DistanceMetric metric, int initialCapacity = 1024)
    {
        Dimension = dimension;
        Stride = StrideFor(dimension);
        Metric = metric;
        _capacity = Math.Max(16, initialCapacity);
        _block = new LargeBlock((nuint)_capacity * (nuint)Stride * sizeof(float));
    }

    public int Count { get; private set; }

    public int Dimension { get; }

    public int Stride { get; }

    public float* Base => (float*)_block.Pointer;

    public DistanceMetric Metric { get; }

    public long Bytes => (long)_capacity * Stride * sizeof(float);

    /// <summary>Rows are padded to 16 floats so every row starts on a 64-byte boundary.</summary>
    public static int StrideFor(int dimension) => (dimension + 15) & ~15;

    public ReadOnlySpan<float> GetVector(uint offset) => new(Base + ((nint)offset * Stride), Dimension);

    public uint Append(ReadOnlySpan<float> vector)
    {
        if (Count == _capacity)
        {
            Grow();
        }

        float* row = Base + ((nint)Count * Stride);
        vector.CopyTo(new Span<float>(row, Dimension));
        new Span<float>(row + Dimension, Stride - Dimension).Clear();
        return (uint)Count++;
    }

    public void Dispose() => _block.Dispose();

    private void Grow()
    {
        int newCapacity = checked(_capacity * 2);
        var bigger = new LargeBlock((nuint)newCapacity * (nuint)Stride * sizeof(float));
        Buffer.MemoryCopy(_block.Pointer, bigger.Pointer, (long)bigger.Bytes, (long)Count * Stride * sizeof(float));
        _block.Dispose();
        _block = bigger;
        _capacity = newCapacity;
    }
}
