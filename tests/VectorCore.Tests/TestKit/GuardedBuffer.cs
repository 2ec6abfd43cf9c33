using System.Runtime.InteropServices;

namespace VectorEngine.Tests.TestKit;

/// <summary>
/// Memory whose last element sits right before a PROT_NONE page, so a kernel that reads one element too far crashes the
/// test instead of silently reading garbage (after System.Memory's BoundedMemory).
/// </summary>
internal sealed unsafe class GuardedBuffer<T> : IDisposable
    where T : unmanaged
{
    private const int ProtNone = 0;
    private const int ProtReadWrite = 3;
    private const int MapPrivateAnonymous = 0x22;
    private static readonly nuint s_pageSize = (nuint)Environment.SystemPageSize;

    private readonly byte* _mapping;
    private readonly nuint _mappingBytes;

    public GuardedBuffer(int length)
    {
        Length = length;
        nuint dataBytes = (nuint)(length * sizeof(T));
        nuint dataPages = (dataBytes + s_pageSize - 1) / s_pageSize;
        _mappingBytes = (dataPages + 1) * s_pageSize;
        _mapping = (byte*)Libc.Mmap(null, _mappingBytes, ProtReadWrite, MapPrivateAnonymous, -1, 0);
        if ((nint)_mapping == -1)
        {
            throw new InvalidOperationException("mmap failed");
        }

        byte* guard = _mapping + (dataPages * s_pageSize);
        if (Libc.Mprotect(guard, s_pageSize, ProtNone) != 0)
        {
            throw new InvalidOperationException("mprotect failed");
        }

        Pointer = (T*)(guard - dataBytes);
    }

    public int Length { get; }

    public T* Pointer { get; }

    public Span<T> Span => new(Pointer, Length);

    public void Dispose() => Libc.Munmap(_mapping, _mappingBytes);
}

/// <summary>The libc calls behind <see cref="GuardedBuffer{T}"/>.</summary>
internal static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "mmap")]
    public static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "mprotect")]
    public static partial int Mprotect(void* address, nuint length, int protection);

    [LibraryImport("libc", EntryPoint = "munmap")]
    public static partial int Munmap(void* address, nuint length);
}
