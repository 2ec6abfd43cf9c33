using System.Text.Json;
using VectorEngine.Collections;
using VectorEngine.Diagnostics;
using VectorEngine.Segments;
using VectorEngine.Storage;

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
        string fullArchivePath = Path.GetFullPath(archivePath);
        FetchAllCold();
        WithResidentSegments(() =>
        {
            WriteSnapshot(fullArchivePath);
            return true;
        });
    }

    private void WriteSnapshot(string fullArchivePath)
    {
        // Staged inside the collection's folder, on the database's file system; an open removes a leftover one.
        string staging = Path.Combine(_directory, SnapshotStagingPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            _fs.CreateDirectory(Path.Combine(staging, "wal"));
            EnterRead();
            try
            {
                var rows = new List<(Segment, uint)>(_ids.Count);
                foreach (Segment segment in _set!.Segments)
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
                    // No text index file: restore takes none from an archive (untrusted input) and rebuilds it from the payloads.
                    SegmentFiles.Write(_fs, Path.Combine(staging, SegmentsFolder, "00000001"), Dimension, Metric, rows, deleted: null);
                    manifest.Segments.Add(1);
                }
                else
                {
                    _fs.CreateDirectory(Path.Combine(staging, SegmentsFolder));
                }

                CollectionConfigFile.From(Name, Options).Save(_fs, staging);
                manifest.Save(_fs, staging);
            }
            finally
            {
                _lock.ExitReadLock();
            }

            DurableFile.WriteAllBytes(_fs, Path.Combine(staging, SnapshotMarkerFile), JsonSerializer.SerializeToUtf8Bytes(
                new SnapshotMarker(SnapshotFormat, SnapshotVersion, Name, DateTime.UtcNow), EngineJsonContext.Default.SnapshotMarker));
            SnapshotArchive.Write(_fs, staging, fullArchivePath);
        }
        finally
        {
            try
            {
                _fs.DeleteDirectory(staging);
            }
            catch (IOException)
            {
                // Removed at the next open.
            }
        }
    }

    /// <summary>Checks an extracted snapshot's marker; throws when the archive is not a VectorEngine snapshot.</summary>
    internal static void ValidateSnapshot(IFileSystem fs, string directory, string archivePath)
    {
        string marker = Path.Combine(directory, SnapshotMarkerFile);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(fs.FileExists(marker) ? DurableFile.ReadAllBytes(fs, marker) : []);
            if (doc.RootElement.GetProperty("format").GetString() == SnapshotFormat &&
                doc.RootElement.GetProperty("version").GetInt32() == SnapshotVersion)
            {
                return;
            }
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            ThrowHelper.ThrowCorrupt($"'{Path.GetFileName(archivePath)}' is not a VectorEngine snapshot.", e);
        }

        ThrowHelper.ThrowCorrupt($"'{Path.GetFileName(archivePath)}' is a snapshot of an unknown format or version.");
    }
}
