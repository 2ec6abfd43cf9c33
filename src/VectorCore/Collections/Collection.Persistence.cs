using System.Diagnostics;
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

    internal static Collection Create(string name, string directory, CollectionOptions options, VectorDatabaseOptions dbOptions)
    {
        System.IO.Directory.CreateDirectory(directory);
        System.IO.Directory.CreateDirectory(Path.Combine(directory, SegmentsFolder));
        System.IO.Directory.CreateDirectory(Path.Combine(directory, WalFolder));
        CollectionConfigFile.From(name, options).Save(directory);
        new ManifestFile().Save(directory);
        return Open(directory, dbOptions);
    }

    internal static Collection Open(string directory, VectorDatabaseOptions dbOptions)
    {
        CollectionConfigFile config = CollectionConfigFile.Load(directory);
        var collection = new Collection(config.Name, directory, config.ToOptions(), dbOptions);
        try
        {
            collection.Recover();
        }
        catch
        {
            collection.DisposeSegments();
            throw;
        }

        return collection;
    }

    private void Recover()
    {
        var clock = Stopwatch.StartNew();
        ManifestFile manifest = ManifestFile.Load(_directory);
        RemoveLeftovers(manifest);
        _nextSegmentId = manifest.NextSegmentId;
        foreach (int id in manifest.Segments)
        {
            Segment segment = SegmentFiles.Load(SegmentDirectory(id), id, Dimension, Metric, Options.PayloadIndexes);
            IVectorIndex? index = _indexFactory.Load(segment.Store, Options.EffectiveIndex.Parameters, SegmentDirectory(id));
            if (index is null)
            {
                // Missing or damaged index files: rebuild once and save, so the next open loads instead of rebuilding.
                index = _indexFactory.Build(segment.Store, Options.EffectiveIndex.Parameters);
                index.Save(SegmentDirectory(id));
            }

            segment.Index = index;
            _segments.Add(id, segment);
            _nextSegmentId = Math.Max(_nextSegmentId, id + 1);
        }

        RebuildIdMap();
        _mutable = Segment.CreateMutable(AllocateSegmentId(), Dimension, Metric, Options.PayloadIndexes);
        _segments.Add(_mutable.Id, _mutable);

        // Replay every WAL generation the manifest does not cover, oldest first; append to the newest.
        long[] generations = WalGenerations().Where(g => g >= manifest.WalGeneration).Order().ToArray();
        int records = 0;
        long appendAt = 0;
        foreach (long generation in generations)
        {
            appendAt = WalReader.Replay(WalPath(generation), generation, ApplyWalRecord, _logger, out int n);
            records += n;
        }

        if (generations.Length == 0)
        {
            _walGeneration = manifest.WalGeneration;
            _wal = WalWriter.Create(WalPath(_walGeneration), _walGeneration);
        }
        else
        {
            _walGeneration = generations[^1];
            _wal = WalWriter.OpenAppend(WalPath(_walGeneration), _walGeneration, appendAt);
        }

        if (_dbOptions.WalSyncMode == WalSyncMode.Interval)
        {
            _walSyncTimer = new Timer(_ => FlushWalQuietly(), null, _dbOptions.WalSyncInterval, _dbOptions.WalSyncInterval);
        }

        Log.Recovered(_logger, Name, manifest.Segments.Count, records, clock.ElapsedMilliseconds);
        StartOptimizer();
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
    public void Checkpoint()
    {
        EnterWrite();
        try
        {
            SealMutable();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private bool MutableIsFull() =>
        _mutable.Count >= _dbOptions.MaxMutableSegmentPoints ||
        (long)_mutable.Count * _mutable.Store.Stride * sizeof(float) >= _dbOptions.MaxMutableSegmentBytes;

    /// <summary>
    /// Seals the mutable segment under the write lock: writes its files, builds its index, writes dirty tombstones,
    /// starts a new WAL generation, then commits all of it with one manifest replace.
    /// </summary>
    private void SealMutable()
    {
        Debug.Assert(_lock.IsWriteLockHeld);
        if (_mutable.Count == 0)
        {
            return;
        }

        _wal.Flush();
        Segment old = _mutable;
        string directory = SegmentDirectory(old.Id);
        var rows = new List<(Segment, uint)>(old.Count);
        for (uint i = 0; i < old.Count; i++)
        {
            rows.Add((old, i));
        }

        SegmentFiles.Write(directory, Dimension, Metric, rows, old.Deleted);
        Segment sealedSegment = SegmentFiles.Load(directory, old.Id, Dimension, Metric, Options.PayloadIndexes);
        sealedSegment.Index = _indexFactory.Build(sealedSegment.Store, Options.EffectiveIndex.Parameters);
        sealedSegment.Index.Save(directory);
        _segments[old.Id] = sealedSegment;
        _mutable = Segment.CreateMutable(AllocateSegmentId(), Dimension, Metric, Options.PayloadIndexes);
        _segments.Add(_mutable.Id, _mutable);
        old.Dispose();

        long newGeneration = _walGeneration + 1;
        WalWriter newWal = WalWriter.Create(WalPath(newGeneration), newGeneration);
        WriteCheckpoint(newGeneration);
        WalWriter oldWal = _wal;
        _wal = newWal;
        _walGeneration = newGeneration;
        oldWal.Dispose();
        DeleteWalsBefore(newGeneration);
        Log.SegmentSealed(_logger, Name, old.Id, old.Count);
    }

    /// <summary>Writes dirty tombstones, then the manifest naming every sealed segment and the WAL generation to replay from.</summary>
    private void WriteCheckpoint(long walGeneration)
    {
        foreach (Segment segment in _segments.Values)
        {
            if (segment.IsSealed && segment.TombstonesDirty)
            {
                SegmentFiles.WriteTombstones(SegmentDirectory(segment.Id), segment.Deleted, segment.Count);
                segment.TombstonesDirty = false;
            }
        }

        new ManifestFile
        {
            WalGeneration = walGeneration,
            NextSegmentId = _nextSegmentId,
            Segments = _segments.Values.Where(s => s.IsSealed).Select(s => s.Id).ToList(),
        }.Save(_directory);
    }

    private void RemoveLeftovers(ManifestFile manifest)
    {
        var live = new HashSet<string>(manifest.Segments.Select(id => id.ToString("D8", System.Globalization.CultureInfo.InvariantCulture)));
        string segmentsRoot = Path.Combine(_directory, SegmentsFolder);
        System.IO.Directory.CreateDirectory(segmentsRoot);
        System.IO.Directory.CreateDirectory(Path.Combine(_directory, WalFolder));
        foreach (string dir in System.IO.Directory.GetDirectories(segmentsRoot))
        {
            if (!live.Contains(Path.GetFileName(dir)))
            {
                Log.LeftoverRemoved(_logger, Name, dir);
                System.IO.Directory.Delete(dir, recursive: true);
            }
        }

        foreach (string temp in System.IO.Directory.EnumerateFiles(_directory, "*.tmp", SearchOption.AllDirectories))
        {
            Log.LeftoverRemoved(_logger, Name, temp);
            File.Delete(temp);
        }

        DeleteWalsBefore(manifest.WalGeneration);
    }

    private IEnumerable<long> WalGenerations()
    {
        foreach (string file in System.IO.Directory.EnumerateFiles(Path.Combine(_directory, WalFolder), "*.wal"))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(file), out long generation))
            {
                yield return generation;
            }
        }
    }

    private void DeleteWalsBefore(long generation)
    {
        foreach (long g in WalGenerations().Where(g => g < generation).ToList())
        {
            File.Delete(WalPath(g));
        }

        DurableFile.SyncDirectory(Path.Combine(_directory, WalFolder));
    }

    private int AllocateSegmentId() => Interlocked.Increment(ref _nextSegmentId) - 1;

    private string WalPath(long generation) =>
        Path.Combine(_directory, WalFolder, generation.ToString("D12", System.Globalization.CultureInfo.InvariantCulture) + ".wal");

    private string SegmentDirectory(int id) =>
        Path.Combine(_directory, SegmentsFolder, id.ToString("D8", System.Globalization.CultureInfo.InvariantCulture));

    private void FlushWalQuietly()
    {
        try
        {
            if (!_disposed)
            {
                _wal.Flush();
            }
        }
        catch (ObjectDisposedException)
        {
        }
    }

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
