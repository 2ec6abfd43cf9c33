using System.Runtime.InteropServices;

namespace VectorEngine.Storage;

/// <summary>fsync of a folder through libc: .NET cannot open a directory as a file.</summary>
internal static partial class NativeDirectory
{
    private const int EINVAL = 22;

    // O_DIRECTORY differs by architecture (0x10000 on x86 is O_DIRECT on arm64), so it comes from a table, not a constant.
    private static readonly int OpenFlags = ReadOnlyDirectoryFlags();

    public static void Sync(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            // NTFS journals metadata; there is no directory handle to flush.
            return;
        }

        int fd = Open(path, OpenFlags);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"Cannot open folder '{Path.GetFileName(path)}' to fsync it (errno {errno}: {Marshal.GetPInvokeErrorMessage(errno)}).", errno);
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();

                // EINVAL: the file system does not support fsync on folders (some FUSE and network file systems); its
                // renames are as durable as it makes them, and there is nothing more to ask.
                if (errno != EINVAL)
                {
                    throw new IOException($"fsync of folder '{Path.GetFileName(path)}' failed (errno {errno}: {Marshal.GetPInvokeErrorMessage(errno)}).", errno);
                }
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static int ReadOnlyDirectoryFlags()
    {
        if (OperatingSystem.IsMacOS() || OperatingSystem.IsIOS() || OperatingSystem.IsFreeBSD())
        {
            return OperatingSystem.IsFreeBSD() ? 0x20000 | 0x100000 : 0x100000 | 0x1000000;
        }

        const int cloexec = 0x80000;
        return RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.Arm or Architecture.Arm64 or Architecture.Armv6 or Architecture.Ppc64le => 0x4000 | cloexec,
            _ => 0x10000 | cloexec, // x86, x64, s390x, riscv64, loongarch64: the generic value (0200000)
        };
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
