using System.Runtime.InteropServices;

namespace VectorEngine.Benchmarks;

/// <summary>A 64-byte-aligned native float buffer, laid out like the engine's segment vectors.</summary>
public sealed unsafe class NativeBuffer : IDisposable
{
    public NativeBuffer(long length)
    {
        Length = length;
        Pointer = (float*)NativeMemory.AlignedAlloc((nuint)(length * sizeof(float)), 64);
    }

    public float* Pointer { get; private set; }

    public long Length { get; }

    public Span<float> Slice(long start, int length) => new(Pointer + start, length);

    public void Dispose()
    {
        NativeMemory.AlignedFree(Pointer);
        Pointer = null;
    }
}
