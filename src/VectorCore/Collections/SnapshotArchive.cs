using System.Formats.Tar;
using System.Text.RegularExpressions;
using VectorEngine.Diagnostics;
using VectorEngine.Storage;

namespace VectorEngine.Collections;

/// <summary>
/// Reads and writes snapshot archives (tar). A restored archive is untrusted input: only the files a snapshot holds
/// (config, manifest, marker, and each segment's vectors, points and tombstones) are extracted, each checked for
/// name, type, nesting and size; index files are never taken from an archive but rebuilt from the vectors.
/// </summary>
internal static partial class SnapshotArchive
{
    /// <summary>Most entries an archive may hold (a snapshot holds 5 plus 3 per segment).</summary>
    public const int MaxEntries = 10_000;

    /// <summary>Largest JSON file in an archive.</summary>
    private const long MaxJsonBytes = 1 << 20;

    /// <summary>Packs <paramref name="staging"/> into a tar at <paramref name="archivePath"/>, crash-safely (temporary file, fsync, rename, fsync).</summary>
    public static void Write(IFileSystem fs, string staging, string archivePath)
    {
        string temp = archivePath + ".tmp";
        using (IStorageFile file = fs.OpenFile(temp, StorageFileMode.Create))
        {
            using (var stream = new StorageFileStream(file, writable: true))
            using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
            {
                AddFolder(fs, writer, staging, "");
            }

            file.Sync();
        }

        fs.MoveFile(temp, archivePath, overwrite: true);
        fs.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(archivePath))!);
    }

    /// <summary>
    /// Extracts an archive into the empty folder <paramref name="staging"/>, fsyncing every file and folder.
    /// Throws <see cref="DataCorruptionException"/> for anything a snapshot does not hold.
    /// </summary>
    public static void Extract(IFileSystem fs, string archivePath, string staging)
    {
        string archiveName = Path.GetFileName(archivePath);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var folders = new SortedSet<string>(StringComparer.Ordinal) { staging };
        try
        {
            using IStorageFile archive = fs.OpenFile(archivePath, StorageFileMode.OpenRead);
            long budget = archive.Length;
            using var stream = new StorageFileStream(archive, writable: false);
            using var reader = new TarReader(stream);
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                string name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                if (name.Length == 0 || name == ".")
                {
                    continue;
                }

                if (seen.Count >= MaxEntries)
                {
                    Refuse(archiveName, $"more than {MaxEntries} entries");
                }

                if (!seen.Add(name.TrimEnd('/')))
                {
                    Refuse(archiveName, $"entry '{name}' appears twice");
                }

                if (entry.EntryType == TarEntryType.Directory)
                {
                    if (!SnapshotFolder().IsMatch(name))
                    {
                        Refuse(archiveName, $"unexpected folder '{name}'");
                    }

                    string folder = Path.Combine(staging, name.TrimEnd('/'));
                    fs.CreateDirectory(folder);
                    folders.Add(folder);
                    continue;
                }

                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                {
                    Refuse(archiveName, $"entry '{name}' is a {entry.EntryType}, not a file");
                }

                if (!SnapshotFile().IsMatch(name))
                {
                    Refuse(archiveName, $"unexpected file '{name}' (snapshots hold no index files: indexes are rebuilt)");
                }

                long length = entry.Length;
                budget -= length;
                if (length < 0 || budget < 0 || (name.EndsWith(".json", StringComparison.Ordinal) && length > MaxJsonBytes))
                {
                    Refuse(archiveName, $"entry '{name}' claims {length} bytes");
                }

                string path = Path.Combine(staging, name);
                string parent = Path.GetDirectoryName(path)!;
                fs.CreateDirectory(parent);
                folders.Add(parent);
                CopyEntry(fs, entry, path, length);
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or ArgumentException)
        {
            throw new DataCorruptionException($"'{archiveName}' is not a readable snapshot archive ({e.Message}).", e);
        }

        // Deepest first, so each folder's entries are durable before its parent's entry for it.
        foreach (string folder in folders.Reverse())
        {
            fs.SyncDirectory(folder);
        }
    }

    /// <summary>Writes a tar entry's bytes to <paramref name="path"/> and fsyncs it (snapshots and cold segment archives alike).</summary>
    internal static void CopyEntry(IFileSystem fs, TarEntry entry, string path, long length, StorageFileMode mode = StorageFileMode.CreateNew)
    {
        using IStorageFile file = fs.OpenFile(path, mode);
        if (entry.DataStream is { } data)
        {
            byte[] buffer = new byte[1 << 20];
            long position = 0;
            while (position < length)
            {
                int n = data.Read(buffer, 0, (int)Math.Min(buffer.Length, length - position));
                if (n == 0)
                {
                    throw new EndOfStreamException($"entry '{entry.Name}' ends at byte {position} of {length}");
                }

                file.Write(buffer.AsSpan(0, n), position);
                position += n;
            }
        }

        file.Sync();
    }

    private static void AddFolder(IFileSystem fs, TarWriter writer, string folder, string prefix)
    {
        foreach (string file in fs.ListFiles(folder))
        {
            string name = prefix + Path.GetFileName(file);
            using IStorageFile source = fs.OpenFile(file, StorageFileMode.OpenRead);
            using var data = new StorageFileStream(source, writable: false);
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = data });
        }

        foreach (string sub in fs.ListDirectories(folder))
        {
            string name = prefix + Path.GetFileName(sub) + "/";
            writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name));
            AddFolder(fs, writer, sub, name);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Refuse(string archive, string why) =>
        ThrowHelper.ThrowCorrupt($"'{archive}' is not a VectorEngine snapshot: {why}.");

    [GeneratedRegex(@"^(wal|segments|segments/[0-9]{8})/?$")]
    private static partial Regex SnapshotFolder();

    [GeneratedRegex(@"^(config\.json|manifest\.json|snapshot\.json|segments/[0-9]{8}/((vectors|points|deleted)\.bin|vectors\.crc))$")]
    private static partial Regex SnapshotFile();
}
