using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VectorEngine.Indexing.Scoring;

/// <summary>
/// Reusable, 64-byte-aligned per-search memory on the pinned-object heap, for prepared queries (quantized query codes,
/// lookup tables). Pooled with the rest of a search's state, so a warm query allocates nothing.
/// </summary>
public sealed unsafe class ScratchBuffer
{
    private byte[] _buffer = [];
    private byte* _start;
    private int _capacity;

    /// <summary>Returns at least <paramref name="bytes"/> aligned bytes (contents undefined), growing when needed.</summary>
    /// <param name="bytes">Bytes needed.</param>
    public byte* Get(int bytes)
    {
        if (_capacity < bytes)
        {
            _buffer = GC.AllocateUninitializedArray<byte>(bytes + 64, pinned: true);
            nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_buffer));
            _start = (byte*)(address + ((64 - (address & 63)) & 63));
            _capacity = bytes;
        }

        return _start;
    }
}
