using System.Formats.Tar;
using System.Text.RegularExpressions;
using VectorEngine.Diagnostics;
using VectorEngine.Storage;

namespace VectorEngine.Tiers;

/// <summary>
/// A cold segment's archive: its folder's files (vectors, points, text index, index files, checksums) in one tar, less
/// the files a cold segment keeps local (ids, tombstones). The archive's CRC32C and length are recorded beside the
/// segment's tier, so a fetched copy is checked before one byte of it is used.
/// </summary>
internal static partial class SegmentArchive
{
    /// <summary>Most files a segment archive may hold (a segment has well under 20).</summary>
    private const int MaxEntries = 64;

    /// <summary>Packs the files of <paramref name="folder"/> not in <paramref name="keepLocal"/> into <paramref name="archivePath"/>; returns its length and CRC32C.</summary>
    public static (long Length, uint Crc) Pack(IFileSystem fs, string folder, string archivePath, IReadOnlySet<string> keepLocal)
    {
        using (IStorageFile file = fs.OpenFile(archivePath, StorageFileMode.Create))
        {
            using (var stream = new StorageFileStream(file, writable: true))
            using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
            {
                foreach (string path in fs.ListFiles(folder).Order(StringComparer.Ordinal))
                {
                    string name = Path.GetFileName(path);
                    if (keepLocal.Contains(name) || name.EndsWith(".tmp", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    using IStorageFile source = fs.OpenFile(path, StorageFileMode.OpenRead);
                    using var data = new StorageFileStream(source, writable: false);
                    writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = data });
                }
            }

            file.Sync();
        }

        return Checksum(fs, archivePath);
    }

    /// <summary>The length and CRC32C of a file, read in 1 MiB blocks.</summary>
    public static (long Length, uint Crc) Checksum(IFileSystem fs, string path)
    {
        using IStorageFile file = fs.OpenFile(path, StorageFileMode.OpenRead);
        byte[] buffer = new byte[1 << 20];
        uint crc = ~0u;
        long position = 0;
        int n;
        while ((n = file.Read(buffer, position)) > 0)
        {
            crc = Crc32C.Append(crc, buffer.AsSpan(0, n));
            position += n;
        }

        return (position, ~crc);
    }

    /// <summary>
    /// Extracts a checked archive into <paramref name="folder"/>: only plain file names a segment holds, each written,
    /// fsynced, and the folder fsynced after. A file already there (left by an interrupted promotion) is replaced.
    /// </summary>
    public static void Extract(IFileSystem fs, string archivePath, string folder, IReadOnlySet<string> keepLocal)
    {
        string archiveName = Path.GetFileName(archivePath);
        int entries = 0;
        try
        {
            using IStorageFile archive = fs.OpenFile(archivePath, StorageFileMode.OpenRead);
            long budget = archive.Length;
            using var stream = new StorageFileStream(archive, writable: false);
            using var reader = new TarReader(stream);
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                if (++entries > MaxEntries)
                {
                    Refuse(archiveName, $"more than {MaxEntries} entries");
                }

                string name = entry.Name;
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || !FileName().IsMatch(name) || keepLocal.Contains(name))
                {
                    Refuse(archiveName, $"unexpected entry '{name}' ({entry.EntryType})");
                }

                budget -= entry.Length;
                if (entry.Length < 0 || budget < 0)
                {
                    Refuse(archiveName, $"entry '{name}' claims {entry.Length} bytes");
                }

                Copy(fs, entry, Path.Combine(folder, name));
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or ArgumentException)
        {
            throw new DataCorruptionException($"'{archiveName}' is not a readable segment archive ({e.Message}).", e);
        }

        fs.SyncDirectory(folder);
    }

    private static void Copy(IFileSystem fs, TarEntry entry, string path)
    {
        string temp = path + ".tmp";
        Collections.SnapshotArchive.CopyEntry(fs, entry, temp, entry.Length, StorageFileMode.Create);
        fs.MoveFile(temp, path, overwrite: true);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Refuse(string archive, string why) =>
        ThrowHelper.ThrowCorrupt($"'{archive}' is not a VectorEngine segment archive: {why}.");

    [GeneratedRegex(@"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex FileName();
}
