using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VectorEngine.Indexing.Scoring;

/// <summary>
/// A reusable, 64-byte-aligned, zero-padded copy of a query, shaped like a store row so that the float scorers can run
/// the kernel over the full stride. Pinned on the pinned-object heap, so its address is stable without a GC handle.
/// </summary>
public sealed unsafe class QueryBuffer
{
    private float[] _buffer = [];
    private int _start;

    /// <summary>The aligned start of the last loaded query; valid until the next <see cref="Load"/>.</summary>
    public float* Pointer { get; private set; }

    /// <summary>Copies <paramref name="query"/> in and zero-fills up to <paramref name="stride"/> floats.</summary>
    /// <param name="query">The query.</param>
    /// <param name="stride">The store's row stride (at least the query's length).</param>
    /// <returns>The aligned copy.</returns>
    public float* Load(ReadOnlySpan<float> query, int stride)
    {
        if (_buffer.Length < stride + 16)
        {
            _buffer = GC.AllocateUninitializedArray<float>(stride + 16, pinned: true);
            nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_buffer));
            _start = (int)(((64 - (address & 63)) & 63) / sizeof(float));
            Pointer = (float*)address + _start;
        }

        Span<float> row = _buffer.AsSpan(_start, stride);
        query.CopyTo(row);
        row[query.Length..].Clear();
        return Pointer;
    }
}
