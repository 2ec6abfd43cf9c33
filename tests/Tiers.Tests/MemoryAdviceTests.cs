using VectorEngine.Storage;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tiers.Tests;

/// <summary>A sparse-access hint gives back the pages of a mapping (what keeps a warm segment's floats off the resident set).</summary>
public sealed class MemoryAdviceTests
{
    [Fact]
    public unsafe void Advising_sparse_access_drops_the_resident_pages_of_a_mapping()
    {
        using TempDirectory dir = Data.TempDir();
        string path = Path.Combine(dir.Path, "big.bin");
        const int Bytes = 64 << 20;
        File.WriteAllBytes(path, new byte[Bytes]);
        using IMappedFile mapping = LocalFileSystem.Instance.MapReadOnly(path);
        if (!OperatingSystem.IsLinux())
        {
            // Elsewhere the hint is a no-op by design: it must leave the mapping readable.
            mapping.Advise(MappedAccess.Sparse);
            Assert.Equal(0, ((byte*)mapping.Address)[Bytes - 1]);
            return;
        }

        long before = FileResident();
        byte* p = (byte*)mapping.Address;
        long sum = 0;
        for (int i = 0; i < Bytes; i += 4096)
        {
            sum += p[i];
        }

        long touched = FileResident();
        mapping.Advise(MappedAccess.Sparse);
        long after = FileResident();
        Assert.Equal(0, sum);
        Assert.True(touched - before > 48L << 20, $"touching 64 MiB raised the file-backed resident set by only {(touched - before) >> 20} MiB");
        Assert.True(touched - after > 48L << 20, $"the hint gave back only {(touched - after) >> 20} MiB of 64");
    }

    private static long FileResident() =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("RssFile:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
}
