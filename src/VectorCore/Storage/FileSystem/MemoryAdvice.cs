using System.Runtime.InteropServices;

namespace VectorEngine.Storage;

/// <summary>
/// madvise(2) on Linux: the only way to give back the pages of a mapping without unmapping it (readers may hold row
/// pointers into it). Elsewhere nothing happens: the kernel pages mapped files out on its own there.
/// </summary>
internal static unsafe partial class MemoryAdvice
{
    private const int MadvNormal = 0;
    private const int MadvRandom = 1;
    private const int MadvWillNeed = 3;
    private const int MadvDontNeed = 4;

    public static void Apply(byte* address, long length, MappedAccess access)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // madvise wants a page-aligned start; mappings start on a page boundary, a view into one need not.
        long page = Environment.SystemPageSize;
        nint start = (nint)address;
        nint aligned = start & ~(nint)(page - 1);
        nuint span = (nuint)(length + (start - aligned));
        if (access == MappedAccess.Sparse)
        {
            _ = Madvise(aligned, span, MadvRandom);
            _ = Madvise(aligned, span, MadvDontNeed);
        }
        else
        {
            _ = Madvise(aligned, span, MadvNormal);
        }
    }

    /// <summary>
    /// Starts reading the pages under [address, address + length) from disk without waiting (MADV_WILLNEED), so rows read
    /// one after another from a file that is not cached arrive by parallel I/O instead of one fault at a time.
    /// </summary>
    public static void WillNeed(byte* address, long length)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        long page = Environment.SystemPageSize;
        nint start = (nint)address;
        nint aligned = start & ~(nint)(page - 1);
        _ = Madvise(aligned, (nuint)(length + (start - aligned)), MadvWillNeed);
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
