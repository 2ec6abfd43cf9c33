using System.Diagnostics;
using System.Globalization;
using VectorEngine.Collections;
using VectorEngine.Diagnostics;
using VectorEngine.Indexing;
using VectorEngine.Segments;
using VectorEngine.Storage;
using VectorEngine.Storage.Wal;

namespace VectorEngine;

/// <summary>Creation, recovery, sealing and checkpoints.</summary>
public sealed partial class Collection
{
    private const string SegmentsFolder = "segments";
    private const string WalFolder = "wal";
    private const string WalExtension = ".wal";
    private const string SnapshotStagingPrefix = ".snapshot-";

    /// <summary>Writes a new collection's folders and files into <paramref name="directory"/>, durably.</summary>
    internal static void Create(string name, string directory, CollectionOptions options, IFileSystem fs)
    {
        fs.CreateDirectory(Path.Combine(directory, SegmentsFolder));
        fs.CreateDirectory(Path.Combine(directory, WalFolder));
        CollectionConfigFile.From(name, options).Save(fs, directory);
        new ManifestFile().Save(fs, directory);
        fs.SyncDirectory(Path.Combine(directory, SegmentsFolder));
        fs.SyncDirectory(Path.Combine(directory, WalFolder));
        fs.SyncDirectory(directory);
    }

    /// <summary>Opens a collection: loads its sealed segments and replays its WAL.</summary>
    /// <param name="directory">The collection folder.</param>
    /// <param name="dbOptions">The database's options.</param>
    /// <param name="acceptWalDamage">Cut a WAL at damage that is not a torn tail (keeping a copy) instead of refusing.</param>
    /// <param name="verifyVectors">Check every vector file in full before opening (a restored snapshot); otherwise in the background.</param>
    internal static Collection Open(string directory, VectorDatabaseOptions dbOptions, bool acceptWalDamage = false, bool verifyVectors = false)
    {
        CollectionConfigFile config = CollectionConfigFile.Load(dbOptions.FileSystem, directory);
        var collection = new Collection(config.Name, directory, config.ToOptions(), dbOptions);
        try
        {
            collection.Recover(acceptWalDamage, verifyVectors);
        }
        catch
        {
            collection.DisposeSegments();
            throw;
        }

        return collection;
    }

    private void Recover(bool acceptWalDamage, bool verifyVectors)
    {
        var clock = Stopwatch.StartNew();

        // As PostgreSQL does before crash recovery: after a failed fsync in an earlier run of this boot, what the files
        // say (a renamed manifest, say) may be in the page cache only. Recovery deletes WAL files on the manifest's word,
        // so it first makes what it reads durable.
        SyncTree(_directory);
        ManifestFile manifest = ManifestFile.Load(_fs, _directory);
        RemoveLeftovers(manifest);
        _nextSegmentId = manifest.NextSegmentId;
        foreach (int id in manifest.Segments)
        {
            string directory = SegmentDirectory(id);
            Segment segment = SegmentFiles.Load(_fs, directory, id, Dimension, Metric, Options.PayloadIndexes);
            _segments.Add(id, segment);
            if (verifyVectors)
            {
                VerifyUntrusted(segment, directory);
            }

            var folder = new StorageFolder(_fs, directory);
            IVectorIndex? index = _indexFactory.Load(segment.Store, Options.EffectiveIndex.Parameters, folder);
            if (index is null)
            {
                // Missing or damaged index files: rebuild, and save so the next open loads instead of rebuilding. A
                // failed save costs only that rebuild next time.
                index = _indexFactory.Build(segment.Store, Options.EffectiveIndex.Parameters);
                try
                {
                    index.Save(folder);
                }
                catch (IOException e)
                {
                    Log.CleanupFailed(_logger, Name, JsonFile.Describe(directory), e);
                }
            }

            segment.Index = index;
            _nextSegmentId = Math.Max(_nextSegmentId, id + 1);
        }

        RebuildIdMap();
        _mutable = Segment.CreateMutable(AllocateSegmentId(), Dimension, Metric, Options.PayloadIndexes);
        _segments.Add(_mutable.Id, _mutable);

        // Replay every WAL generation the manifest does not cover, oldest first. Recovery never appends to a replayed
        // file: it starts the next generation, so a tail it cut (or could not cut) is never written after.
        long[] generations = WalGenerations().Where(g => g >= manifest.WalGeneration).Order().ToArray();
        int records = 0;
        foreach (long generation in generations)
        {
            records += ReplayGeneration(generation, acceptWalDamage);
        }

        _replayFromGeneration = manifest.WalGeneration;
        _walGeneration = generations.Length == 0 ? manifest.WalGeneration : generations[^1] + 1;
        _wal = WalWriter.Create(_fs, WalPath(_walGeneration), _walGeneration);
        if (_dbOptions.WalSyncMode == WalSyncMode.Interval)
        {
            _walSyncTimer = new Timer(_ => FlushWalInBackground(), null, _dbOptions.WalSyncInterval, _dbOptions.WalSyncInterval);
        }

        Log.Recovered(_logger, Name, manifest.Segments.Count, records, clock.ElapsedMilliseconds);
        if (!verifyVectors && manifest.Segments.Count > 0)
        {
            StartVerification();
        }

        StartOptimizer();
    }

    /// <summary>Replays one WAL file; cuts a torn tail; refuses damage before the end unless the loss is accepted.</summary>
    private int ReplayGeneration(long generation, bool acceptWalDamage)
    {
        string path = WalPath(generation);
        string file = Path.GetFileName(path);
        WalReplay replay = WalReader.Replay(_fs, path, generation, ApplyWalRecord);
        if (replay.Problem is null)
        {
            return replay.Records;
        }

        if (!replay.IsTornTail)
        {
            if (!acceptWalDamage)
            {
                throw new WalDamagedException(Name, file, replay.ValidLength, replay.Problem);
            }

            string copy = KeepDamagedCopy(path);
            Log.WalDamageAccepted(_logger, Name, file, replay.ValidLength, replay.Problem, Path.GetFileName(copy));
        }
        else
        {
            Log.WalTailTruncated(_logger, file, replay.ValidLength, replay.Problem, replay.FileLength - replay.ValidLength);
        }

        if (replay.ValidLength == 0)
        {
            _fs.DeleteFile(path);
            _fs.SyncDirectory(Path.GetDirectoryName(path)!);
        }
        else
        {
            using IStorageFile wal = _fs.OpenFile(path, StorageFileMode.OpenExisting);
            wal.SetLength(replay.ValidLength);
            wal.Sync();
        }

        return replay.Records;
    }

    /// <summary>Copies a damaged WAL file aside, byte for byte, before it is cut.</summary>
    private string KeepDamagedCopy(string path)
    {
        string copy = path + ".damaged-" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        DurableFile.WriteAllBytes(_fs, copy, DurableFile.ReadAllBytes(_fs, path));
        return copy;
    }

    private void ApplyWalRecord(ReadOnlySpan<byte> payload)
    {
        (byte type, List<PreparedPoint>? points, List<PointId>? ids) = WalRecords.Decode(payload, Dimension);
        if (type == WalRecords.Upsert)
        {
            // No sealing during replay: the WAL being replayed is still the only copy. A mutable segment past the
            // threshold is sealed by the next write.
            ApplyUpsert(points!);
        }
        else
        {
            ApplyDelete(ids!);
        }
    }

    /// <summary>If an id is live in more than one segment (never, unless files were tampered with), the newest segment wins.</summary>
    private void RebuildIdMap()
    {
        _idMap.Clear();
        foreach (Segment segment in _segments.Values)
        {
            for (uint offset = 0; offset < segment.Count; offset++)
            {
                if (!segment.IsLive(offset))
                {
                    continue;
                }

                PointId id = segment.IdAt(offset);
                if (_idMap.TryGetValue(id, out PointLocation older))
                {
                    SegmentOf(older).Delete(older.Offset);
                }

                _idMap[id] = new PointLocation(segment.Id, offset);
            }
        }
    }

    /// <summary>
    /// Seals the mutable segment now (writes its files, builds its index) and starts a new WAL generation, so that
    /// reopening replays nothing. Sealing also happens on its own when the mutable segment is full.
    /// </summary>
    /// <exception cref="StorageFailureException">The collection is stopped, or the checkpoint left its files in doubt and stopped it.</exception>
    /// <exception cref="IOException">The segment could not be written; nothing changed and the collection goes on.</exception>
    public void Checkpoint() => Seal(onlyWhenFull: false);

    private bool MutableIsFull() =>
        _mutable.Count >= _dbOptions.MaxMutableSegmentPoints ||
        (long)_mutable.Count * _mutable.Store.Stride * sizeof(float) >= _dbOptions.MaxMutableSegmentBytes;

    /// <summary>
    /// Under the write lock with nothing in flight: writes the mutable segment's files and index and a new WAL file, then
    /// commits all of it with one manifest replace, and only then swaps the in-memory state. A failure before the
    /// manifest replace removes what it wrote and changes nothing; a failure of the replace itself leaves the manifest
    /// on disk in doubt (old or new), so it stops the collection and leaves every file for recovery to sort out.
    /// </summary>
    private void SealMutable()
    {
        Debug.Assert(_lock.IsWriteLockHeld);
        if (_mutable.Count == 0)
        {
            return;
        }

        try
        {
            _wal.Flush();
        }
        catch (IOException e)
        {
            throw Stop(e);
        }

        Segment old = _mutable;
        string directory = SegmentDirectory(old.Id);
        long newGeneration = _walGeneration + 1;
        Segment? sealedSegment = null;
        WalWriter? newWal = null;
        try
        {
            var rows = new List<(Segment, uint)>(old.Count);
            for (uint i = 0; i < old.Count; i++)
            {
                rows.Add((old, i));
            }

            sealedSegment = WriteSegment(directory, old.Id, rows, old.Deleted);
            newWal = WalWriter.Create(_fs, WalPath(newGeneration), newGeneration);
        }
        catch
        {
            sealedSegment?.Dispose();
            newWal?.Dispose();
            TryDelete(directory, isDirectory: true);
            TryDelete(WalPath(newGeneration), isDirectory: false);
            throw;
        }

        try
        {
            WriteCheckpoint(newGeneration, _segments.Values.Where(s => s.IsSealed).Select(s => s.Id).Append(old.Id));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            sealedSegment.Dispose();
            newWal.Dispose();
            throw Stop(e);
        }

        _segments[old.Id] = sealedSegment;
        _mutable = Segment.CreateMutable(AllocateSegmentId(), Dimension, Metric, Options.PayloadIndexes);
        _segments.Add(_mutable.Id, _mutable);
        old.Dispose();
        WalWriter oldWal = _wal;
        _wal = newWal;
        _walGeneration = newGeneration;
        _replayFromGeneration = newGeneration;
        oldWal.Dispose();
        DeleteWalsBefore(newGeneration);
        Log.SegmentSealed(_logger, Name, old.Id, old.Count);
    }

    /// <summary>
    /// Writes a sealed segment's files into a new folder (and the folder's entry in <c>segments/</c>, durably), loads
    /// it, builds its index and saves that. On failure the caller removes the folder.
    /// </summary>
    private Segment WriteSegment(string directory, int id, IReadOnlyList<(Segment Segment, uint Offset)> rows, Bitset? deleted)
    {
        SegmentFiles.Write(_fs, directory, Dimension, Metric, rows, deleted);
        _fs.SyncDirectory(Path.Combine(_directory, SegmentsFolder));
        Segment segment = SegmentFiles.Load(_fs, directory, id, Dimension, Metric, Options.PayloadIndexes);
        try
        {
            segment.Index = _indexFactory.Build(segment.Store, Options.EffectiveIndex.Parameters);
        }
        catch
        {
            segment.Dispose();
            throw;
        }

        try
        {
            segment.Index.Save(new StorageFolder(_fs, directory));
        }
        catch (Exception e) when (e is IOException or OverflowException or InvalidOperationException or UnauthorizedAccessException)
        {
            // Index files are checksummed and rebuilt when missing or damaged: a failed save costs a rebuild at the next
            // open, never the segment (whose own files are already durable).
            Log.IndexSaveFailed(_logger, Name, segment.Id, e);
        }

        return segment;
    }


    /// <summary>Writes dirty tombstones, then the manifest naming the sealed segments and the WAL generation to replay from.</summary>
    private void WriteCheckpoint(long walGeneration, IEnumerable<int> sealedSegments)
    {
        foreach (Segment segment in _segments.Values)
        {
            if (segment.IsSealed && segment.TombstonesDirty)
            {
                SegmentFiles.WriteTombstones(_fs, SegmentDirectory(segment.Id), segment.Deleted, segment.Count);
                segment.TombstonesDirty = false;
            }
        }

        new ManifestFile
        {
            WalGeneration = walGeneration,
            NextSegmentId = _nextSegmentId,
            Segments = sealedSegments.Order().ToList(),
        }.Save(_fs, _directory);
    }

    private void RemoveLeftovers(ManifestFile manifest)
    {
        var live = new HashSet<string>(manifest.Segments.Select(SegmentFolderName));
        string segmentsRoot = Path.Combine(_directory, SegmentsFolder);
        _fs.CreateDirectory(segmentsRoot);
        _fs.CreateDirectory(Path.Combine(_directory, WalFolder));
        foreach (string dir in _fs.ListDirectories(segmentsRoot))
        {
            if (!live.Contains(Path.GetFileName(dir)))
            {
                Log.LeftoverRemoved(_logger, Name, JsonFile.Describe(dir));
                _fs.DeleteDirectory(dir);
            }
        }

        foreach (string dir in _fs.ListDirectories(_directory))
        {
            if (Path.GetFileName(dir).StartsWith(SnapshotStagingPrefix, StringComparison.Ordinal))
            {
                Log.LeftoverRemoved(_logger, Name, JsonFile.Describe(dir));
                _fs.DeleteDirectory(dir);
            }
        }

        RemoveTempFiles(_directory);
        DeleteWalsBefore(manifest.WalGeneration);
    }

    /// <summary>fsyncs every file and folder under <paramref name="directory"/>, deepest first.</summary>
    private void SyncTree(string directory)
    {
        foreach (string file in _fs.ListFiles(directory))
        {
            DurableFile.Sync(_fs, file);
        }

        foreach (string sub in _fs.ListDirectories(directory))
        {
            SyncTree(sub);
        }

        _fs.SyncDirectory(directory);
    }

    private void RemoveTempFiles(string directory)
    {
        foreach (string file in _fs.ListFiles(directory))
        {
            if (file.EndsWith(".tmp", StringComparison.Ordinal))
            {
                Log.LeftoverRemoved(_logger, Name, JsonFile.Describe(file));
                _fs.DeleteFile(file);
            }
        }

        foreach (string sub in _fs.ListDirectories(directory))
        {
            RemoveTempFiles(sub);
        }
    }

    private IEnumerable<long> WalGenerations()
    {
        foreach (string file in _fs.ListFiles(Path.Combine(_directory, WalFolder)))
        {
            if (file.EndsWith(WalExtension, StringComparison.Ordinal) &&
                long.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out long generation))
            {
                yield return generation;
            }
        }
    }

    /// <summary>Removes retired WAL files. Best effort: a file left behind is older than the manifest and removed at the next open.</summary>
    private void DeleteWalsBefore(long generation)
    {
        try
        {
            foreach (long g in WalGenerations().Where(g => g < generation).ToList())
            {
                _fs.DeleteFile(WalPath(g));
            }

            _fs.SyncDirectory(Path.Combine(_directory, WalFolder));
        }
        catch (IOException e)
        {
            Log.CleanupFailed(_logger, Name, WalFolder, e);
        }
    }

    private void TryDelete(string path, bool isDirectory)
    {
        try
        {
            if (isDirectory)
            {
                _fs.DeleteDirectory(path);
            }
            else
            {
                _fs.DeleteFile(path);
            }
        }
        catch (IOException e)
        {
            Log.CleanupFailed(_logger, Name, JsonFile.Describe(path), e);
        }
    }

    private int AllocateSegmentId() => Interlocked.Increment(ref _nextSegmentId) - 1;

    private string WalPath(long generation) =>
        Path.Combine(_directory, WalFolder, generation.ToString("D12", CultureInfo.InvariantCulture) + WalExtension);

    private string SegmentDirectory(int id) => Path.Combine(_directory, SegmentsFolder, SegmentFolderName(id));

    private static string SegmentFolderName(int id) => id.ToString("D8", CultureInfo.InvariantCulture);

    private void DisposeSegments()
    {
        foreach (Segment segment in _segments.Values)
        {
            segment.Dispose();
        }

        _segments.Clear();
        _wal?.Dispose();
    }
}
