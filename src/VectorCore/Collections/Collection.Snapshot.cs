using System.Formats.Tar;
using System.Text.Json;
using VectorEngine.Collections;
using VectorEngine.Diagnostics;
using VectorEngine.Segments;

namespace VectorEngine;

/// <summary>Snapshots: a consistent point-in-time copy of the collection in one archive file.</summary>
public sealed partial class Collection
{
    internal const string SnapshotMarkerFile = "snapshot.json";
    internal const string SnapshotFormat = "vectorengine.snapshot";
    internal const int SnapshotVersion = 1;

    /// <summary>
    /// Writes every live point, with the collection's config, into one tar archive at <paramref name="archivePath"/>.
    /// The copy is taken under the read lock, so it is consistent: writes wait while the points are copied (not while
    /// the archive is packed). Restore it with <see cref="VectorDatabase.RestoreSnapshot"/>.
    /// </summary>
    /// <param name="archivePath">Where to write the archive; an existing file is replaced atomically.</param>
    public void CreateSnapshot(string archivePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(archivePath);
        string staging = Path.Combine(Path.GetTempPath(), "vectorengine-snapshot-" + Guid.NewGuid().ToString("N"));
        try
        {
            System.IO.Directory.CreateDirectory(Path.Combine(staging, "wal"));
            EnterRead();
            try
            {
                var rows = new List<(Segment, uint)>(_idMap.Count);
                foreach (Segment segment in _segments.Values)
                {
                    for (uint offset = 0; offset < segment.Count; offset++)
                    {
                        if (segment.IsLive(offset))
                        {
                            rows.Add((segment, offset));
                        }
                    }
                }

                var manifest = new ManifestFile { WalGeneration = 1, NextSegmentId = 2 };
                if (rows.Count > 0)
                {
                    SegmentFiles.Write(Path.Combine(staging, "segments", "00000001"), Dimension, Metric, rows, deleted: null);
                    manifest.Segments.Add(1);
                }
                else
                {
                    System.IO.Directory.CreateDirectory(Path.Combine(staging, "segments"));
                }

                CollectionConfigFile.From(Name, Options).Save(staging);
                manifest.Save(staging);
            }
            finally
            {
                _lock.ExitReadLock();
            }

            File.WriteAllBytes(Path.Combine(staging, SnapshotMarkerFile), JsonSerializer.SerializeToUtf8Bytes(
                new Dictionary<string, object> { ["format"] = SnapshotFormat, ["version"] = SnapshotVersion, ["collection"] = Name, ["createdUtc"] = DateTime.UtcNow }));
            string temp = archivePath + ".tmp";
            TarFile.CreateFromDirectory(staging, temp, includeBaseDirectory: false);
            Storage.DurableFile.FsyncFile(temp);
            File.Move(temp, archivePath, overwrite: true);
        }
        finally
        {
            if (System.IO.Directory.Exists(staging))
            {
                System.IO.Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>Checks an extracted snapshot's marker; throws when the archive is not a VectorEngine snapshot.</summary>
    internal static void ValidateSnapshot(string directory, string archivePath)
    {
        string marker = Path.Combine(directory, SnapshotMarkerFile);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(marker));
            if (doc.RootElement.GetProperty("format").GetString() == SnapshotFormat &&
                doc.RootElement.GetProperty("version").GetInt32() == SnapshotVersion)
            {
                return;
            }
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            ThrowHelper.ThrowCorrupt($"'{archivePath}' is not a VectorEngine snapshot.", e);
        }

        ThrowHelper.ThrowCorrupt($"'{archivePath}' is a snapshot of an unknown format or version.");
    }
}
