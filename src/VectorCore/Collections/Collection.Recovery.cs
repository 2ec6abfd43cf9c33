using System.Diagnostics;
using System.Globalization;
using VectorEngine.Collections;
using VectorEngine.Diagnostics;
using VectorEngine.Indexing;
using VectorEngine.Segments;
using VectorEngine.Storage;
using VectorEngine.Storage.Wal;
using VectorEngine.Tiers;

namespace VectorEngine;

/// <summary>Creation, recovery and the manifest.</summary>
public sealed partial class Collection
{
    private const string SegmentsFolder = "segments";
    private const string SnapshotStagingPrefix = ".snapshot-";

    /// <summary>Writes a new collection's folders and files into <paramref name="directory"/>, durably.</summary>
    internal static void Create(string name, string directory, CollectionOptions options, IFileSystem fs)
    {
        fs.CreateDirectory(Path.Combine(directory, SegmentsFolder));
        fs.CreateDirectory(Path.Combine(directory, WriteAheadLog.Folder));
        CollectionConfigFile.From(name, options).Save(fs, directory);
        new ManifestFile().Save(fs, directory);
        fs.SyncDirectory(Path.Combine(directory, SegmentsFolder));
        fs.SyncDirectory(Path.Combine(directory, WriteAheadLog.Folder));
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

        EngineTelemetry.Opened(collection);
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
        Dictionary<int, TiersFile.Entry> tiers = TiersFile.Load(_fs, _directory).Segments.ToDictionary(e => e.Segment);
        RemoveLeftovers(manifest);
        _nextSegmentId = manifest.NextSegmentId;
        var loaded = new List<Segment>(manifest.Segments.Count + 1);
        try
        {
            foreach (int id in manifest.Segments)
            {
                loaded.Add(LoadSegmentInTier(id, tiers.GetValueOrDefault(id), verifyVectors));
                _nextSegmentId = Math.Max(_nextSegmentId, id + 1);
            }

            Segment mutable = Segment.CreateMutable(AllocateSegmentId(), Dimension, Metric, Options.IndexSchema);
            loaded.Add(mutable);
            _set = SegmentSet.Adopt(loaded, mutable);
        }
        catch
        {
            foreach (Segment segment in loaded)
            {
                segment.Dispose();
            }

            throw;
        }

        RebuildIdMap();

        // Replay every WAL generation the manifest does not cover, oldest first, into the mutable segment. Recovery never
        // appends to a replayed file: the log starts the next generation, so a tail it cut is never written after.
        int records = _wal.Recover(manifest.WalGeneration, acceptWalDamage, ApplyWalRecord);
        _replayFromGeneration = manifest.WalGeneration;
        if (_dbOptions.WalSyncMode == WalSyncMode.Interval)
        {
            _walSyncTimer = new Timer(_ => FlushWalInBackground(), null, _dbOptions.WalSyncInterval, _dbOptions.WalSyncInterval);
        }

        Log.Recovered(_logger, Name, manifest.Segments.Count, records, clock.ElapsedMilliseconds);
        RemoveOrphanObjects();
        if (!verifyVectors && manifest.Segments.Count > 0)
        {
            StartVerification();
        }

        StartOptimizer();
    }

    /// <summary>
    /// Loads a sealed segment in the tier its <c>tiers.json</c> entry names (hot when it has none), and restores what the
    /// tiering remembers of it. A cold segment's leftover files (an interrupted move) are removed: its archive holds them.
    /// </summary>
    private Segment LoadSegmentInTier(int id, TiersFile.Entry? entry, bool verifyVectors)
    {
        SegmentTier tier = entry?.Tier ?? SegmentTier.Hot;
        DateTimeOffset now = _dbOptions.TimeProvider.GetUtcNow();
        var state = new SegmentTierState(id, tier, entry is null || entry.Created == default ? now : entry.Created, entry?.EnteredAt ?? now,
            (Options.Tiering ?? TierPolicy.Default).WarmBelowAccesses)
        {
            Pinned = entry?.Pinned,
            Object = tier == SegmentTier.Cold ? new ColdObject(entry!.ObjectKey!, entry.ObjectLength, entry.ObjectCrc) : null,
        };
        state.Restore(entry?.Accesses ?? []);
        _tierStates[id] = state;
        string directory = SegmentDirectory(id);
        if (tier == SegmentTier.Cold)
        {
            Transitions.RemoveArchivedFiles(directory);
            (List<PointId> ids, Bitset deleted) = SegmentFiles.ReadIds(_fs, directory);
            return Segment.Cold(id, Dimension, Metric, ids, deleted);
        }

        TryDelete(Path.Combine(directory, SegmentFiles.IdsFile), isDirectory: false);
        if (tier == SegmentTier.Hot)
        {
            return LoadSegment(id, verifyVectors);
        }

        // Warm: the rows are read once to fill the payload store and indexes, and the index is loaded only in its
        // compressed form (never first as the hot index, which a large collection would hold twice while opening).
        Segment rows = SegmentFiles.Load(_fs, directory, id, Dimension, Metric, Options.IndexSchema);
        try
        {
            return Transitions.MakeWarm(rows, directory, WarmPayloads(), WarmQuantization);
        }
        finally
        {
            rows.Dispose();
        }
    }

    /// <summary>Deletes the collection's objects no cold segment names (left by a move or a merge interrupted by a crash).</summary>
    private void RemoveOrphanObjects()
    {
        var referenced = new HashSet<string>(_tierStates.Values.Select(s => s.Object?.Key).OfType<string>(), StringComparer.Ordinal);
        try
        {
            IObjectStore store = ObjectStore;
            List<string> keys = ObjectKeys.ListAll(store, ObjectKeys.CollectionPrefix(Name));
            foreach (string key in keys.Where(k => !referenced.Contains(k)))
            {
                store.DeleteAsync(key).GetAwaiter().GetResult();
                Log.OrphanObjectRemoved(_logger, Name, key);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.OrphanCleanupFailed(_logger, Name, e);
        }
    }

    /// <summary>Loads a sealed segment and its index (rebuilt, and saved again, when its files are missing or damaged).</summary>
    private Segment LoadSegment(int id, bool verifyVectors)
    {
        string directory = SegmentDirectory(id);
        Segment segment = SegmentFiles.Load(_fs, directory, id, Dimension, Metric, Options.IndexSchema);
        try
        {
            if (verifyVectors)
            {
                VerifyUntrusted(segment, directory);
            }

            segment.Index = Transitions.LoadIndex(segment.Store, directory, id);
            return segment;
        }
        catch
        {
            segment.Dispose();
            throw;
        }
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
        _ids.Clear();
        long points = 0;
        foreach (Segment segment in _set!.Segments)
        {
            points += segment.Count;
        }

        _ids.Reserve((int)Math.Min(int.MaxValue, points));
        foreach (Segment segment in _set!.Segments)
        {
            for (uint offset = 0; offset < segment.Count; offset++)
            {
                if (!segment.IsLive(offset))
                {
                    continue;
                }

                PointId id = segment.IdAt(offset);
                if (_ids.TryGet(id, out PointLocation older))
                {
                    SegmentOf(older).Delete(older.Offset);
                }

                _ids.Set(id, new PointLocation(segment.Id, offset));
            }
        }
    }

    /// <summary>Writes dirty tombstones, then the manifest naming the sealed segments and the WAL generation to replay from.</summary>
    private void WriteManifest(long walGeneration, IEnumerable<int> sealedSegments)
    {
        Debug.Assert(Monitor.IsEntered(_appendGate), "a manifest is written with no write in flight");
        foreach (Segment segment in _set!.Persisted)
        {
            if (segment.TombstonesDirty)
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
        _fs.CreateDirectory(Path.Combine(_directory, WriteAheadLog.Folder));
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
        _wal.RemoveBefore(manifest.WalGeneration);
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

    private string SegmentDirectory(int id) => Path.Combine(_directory, SegmentsFolder, SegmentFolderName(id));

    private static string SegmentFolderName(int id) => id.ToString("D8", CultureInfo.InvariantCulture);

    /// <summary>Closes what a failed open loaded.</summary>
    private void DisposeSegments()
    {
        _set?.Unpin();
        _set = null;
        _wal.Dispose();
        _warmPayloads?.Dispose();
    }
}
