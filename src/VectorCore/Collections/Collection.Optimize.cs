using VectorEngine.Diagnostics;
using VectorEngine.Segments;
using VectorEngine.Storage;

namespace VectorEngine;

/// <summary>The merge optimizer: rewrites sealed segments with many deletes and merges small ones.</summary>
public sealed partial class Collection
{
    private readonly object _optimizeGate = new();
    private CancellationTokenSource? _optimizerStop;
    private Task? _optimizerTask;

    /// <summary>
    /// Runs one optimizer pass now: sealed segments whose deleted fraction reaches the configured threshold, and small
    /// sealed segments, are rewritten into one new segment without their deleted points. Reads and writes continue
    /// while the new segment is written; the swap itself takes the write lock briefly.
    /// </summary>
    /// <returns>How many segments were replaced.</returns>
    public int Optimize()
    {
        lock (_optimizeGate)
        {
            List<Segment> sources;
            var rows = new List<(Segment Segment, uint Offset)>();
            EnterRead();
            try
            {
                sources = PickMergeSources();
                foreach (Segment source in sources)
                {
                    for (uint offset = 0; offset < source.Count; offset++)
                    {
                        if (source.IsLive(offset))
                        {
                            rows.Add((source, offset));
                        }
                    }
                }
            }
            finally
            {
                _lock.ExitReadLock();
            }

            if (sources.Count == 0)
            {
                return 0;
            }

            // Sealed rows are immutable and sources are only disposed by this gate's holder (or by Dispose, which
            // waits for this gate), so the new segment is written without holding the collection lock. A failure
            // removes the new folder and changes nothing.
            Segment? merged = null;
            int newId = AllocateSegmentId();
            string directory = SegmentDirectory(newId);
            if (rows.Count > 0)
            {
                try
                {
                    merged = WriteSegment(directory, newId, rows, deleted: null);
                }
                catch
                {
                    TryDelete(directory, isDirectory: true);
                    throw;
                }
            }

            lock (_appendGate)
            {
                _lock.EnterWriteLock();
                try
                {
                    if (_disposed || _storageFailure is not null)
                    {
                        merged?.Dispose();
                        TryDelete(directory, isDirectory: true);
                        ThrowIfNotWritable();
                    }

                    // Rows deleted or replaced while the merge ran are tombstoned in the merged segment, on disk before
                    // the manifest names it: a seal during the merge may already have retired the WAL holding the delete.
                    var moved = new List<(PointId Id, uint Offset)>(rows.Count);
                    for (int i = 0; i < rows.Count; i++)
                    {
                        (Segment source, uint offset) = rows[i];
                        if (source.IsLive(offset))
                        {
                            moved.Add((source.IdAt(offset), (uint)i));
                        }
                        else
                        {
                            merged!.Delete((uint)i);
                        }
                    }

                    try
                    {
                        if (merged is { TombstonesDirty: true })
                        {
                            SegmentFiles.WriteTombstones(_fs, directory, merged.Deleted, merged.Count);
                            merged.TombstonesDirty = false;
                        }
                    }
                    catch
                    {
                        merged!.Dispose();
                        TryDelete(directory, isDirectory: true);
                        throw;
                    }

                    // The manifest replace commits the merge; if it fails the manifest on disk is in doubt: stop.
                    try
                    {
                        WriteCheckpoint(_replayFromGeneration, _segments.Values
                            .Where(s => s.IsSealed && !sources.Contains(s)).Select(s => s.Id)
                            .Concat(merged is null ? [] : [newId]));
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        merged?.Dispose();
                        throw Stop(e);
                    }

                    foreach ((PointId id, uint offset) in moved)
                    {
                        _idMap[id] = new PointLocation(newId, offset);
                    }

                    foreach (Segment source in sources)
                    {
                        _segments.Remove(source.Id);
                    }

                    if (merged is not null)
                    {
                        _segments.Add(newId, merged);
                    }
                }
                finally
                {
                    _lock.ExitWriteLock();
                }
            }

            foreach (Segment source in sources)
            {
                source.Dispose();
                TryDelete(SegmentDirectory(source.Id), isDirectory: true);
            }

            Log.SegmentsMerged(_logger, Name, string.Join(",", sources.Select(s => s.Id)), newId, merged?.LiveCount ?? 0);
            return sources.Count;
        }
    }

    /// <summary>
    /// Segments with many deletes and small segments, smallest first, taken only while their live points fit in
    /// <see cref="VectorDatabaseOptions.MaxSegmentPoints"/>: many big segments past the delete threshold must not merge
    /// into one unbounded segment.
    /// </summary>
    private List<Segment> PickMergeSources()
    {
        var sealedSegments = _segments.Values.Where(s => s.IsSealed).ToList();
        var picked = sealedSegments
            .Where(s => s.Count > 0 && s.DeletedCount >= _dbOptions.OptimizerDeletedFraction * s.Count)
            .ToList();
        var small = sealedSegments.Where(s => s.LiveCount < _dbOptions.OptimizerSmallSegmentPoints && !picked.Contains(s)).ToList();
        if (small.Count >= 2 || (small.Count == 1 && picked.Count > 0))
        {
            picked.AddRange(small);
        }

        var bounded = new List<Segment>();
        long live = 0;
        long rowBytes = (long)GrowableVectorStore.StrideFor(Dimension) * sizeof(float);
        long cap = Math.Max(Math.Min(_dbOptions.MaxSegmentPoints, _dbOptions.MaxSegmentBytes / rowBytes), _dbOptions.MaxMutableSegmentPoints);
        foreach (Segment segment in picked.OrderBy(s => s.LiveCount))
        {
            if (bounded.Count > 0 && live + segment.LiveCount > cap)
            {
                break;
            }

            bounded.Add(segment);
            live += segment.LiveCount;
        }

        // One small segment alone gains nothing from being rewritten.
        return bounded.Count == 1 && bounded[0].DeletedCount == 0 ? [] : bounded;
    }

    private void StartOptimizer()
    {
        if (!_dbOptions.EnableBackgroundOptimizer)
        {
            return;
        }

        _optimizerStop = new CancellationTokenSource();
        CancellationToken stop = _optimizerStop.Token;
        TimeSpan interval = _dbOptions.OptimizerInterval;
        _optimizerTask = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(interval, stop).ConfigureAwait(false);
                    Optimize();
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (VectorEngineException e) when (e.Kind is VectorEngineErrorKind.Closed or VectorEngineErrorKind.StorageFailure)
                {
                    break;
                }
                catch (Exception e)
                {
                    Log.OptimizerFailed(_logger, Name, e);
                }
            }
        });
    }

    private void StopOptimizer()
    {
        _optimizerStop?.Cancel();
        try
        {
            _optimizerTask?.Wait();
        }
        catch (AggregateException)
        {
        }

        _optimizerStop?.Dispose();
        _optimizerStop = null;
        _optimizerTask = null;
    }
}
