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
    /// sealed segments, are rewritten into one new segment without their deleted points. Searches and writes continue
    /// while the new segment is written and indexed; the commit waits only for writes in flight.
    /// </summary>
    /// <returns>How many segments were replaced.</returns>
    public int Optimize()
    {
        lock (_optimizeGate)
        {
            // Sealed rows are immutable and the pinned set keeps the sources mapped, so the new segment is written and
            // indexed with no lock held. A tombstone read racing with a delete is settled at the commit.
            SegmentSet set = PinSet();
            try
            {
                List<Segment> sources = MergePolicy.Pick(set.Persisted.Where(s => s.Tier == SegmentTier.Hot), _dbOptions, Dimension);
                if (sources.Count == 0)
                {
                    return 0;
                }

                var rows = new List<(Segment Segment, uint Offset)>();
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

                int newId = AllocateSegmentId();
                string directory = SegmentDirectory(newId);
                Segment? merged = null;
                if (rows.Count > 0)
                {
                    try
                    {
                        merged = _sealer.Merge(directory, newId, rows);
                    }
                    catch
                    {
                        TryDelete(directory, isDirectory: true);
                        throw;
                    }
                }

                CommitMerge(sources, rows, merged, directory);
                foreach (Segment source in sources)
                {
                    // Removed once no search reads it any more (the pinned set still holds it here).
                    string folder = SegmentDirectory(source.Id);
                    source.WhenReleased = () => TryDelete(folder, isDirectory: true);
                }

                Log.SegmentsMerged(_logger, Name, string.Join(",", sources.Select(s => s.Id)), newId, merged?.LiveCount ?? 0);
                return sources.Count;
            }
            finally
            {
                set.Unpin();
            }
        }
    }

    /// <summary>
    /// With no write in flight: tombstones in the merged segment the rows deleted or replaced while it was written (on
    /// disk before the manifest names it, since a seal meanwhile may have retired the WAL holding the delete), replaces
    /// the manifest, then moves the ids and publishes the set without the sources.
    /// </summary>
    private void CommitMerge(List<Segment> sources, List<(Segment Segment, uint Offset)> rows, Segment? merged, string directory)
    {
        lock (_appendGate)
        {
            if (_disposed || _storageFailure is not null)
            {
                merged?.Dispose();
                TryDelete(directory, isDirectory: true);
                ThrowIfNotWritable();
            }

            _sequencer.Drain();
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
            var sourceIds = sources.Select(s => s.Id).ToHashSet();
            try
            {
                WriteManifest(_replayFromGeneration, _set!.Persisted.Where(s => !sourceIds.Contains(s.Id)).Select(s => s.Id)
                    .Concat(merged is null ? [] : [merged.Id]));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                merged?.Dispose();
                throw Stop(e);
            }

            _lock.EnterWriteLock();
            try
            {
                foreach ((PointId id, uint offset) in moved)
                {
                    _ids.Set(id, new PointLocation(merged!.Id, offset));
                }

                Publish(_set.With(merged is null ? [] : [merged], sourceIds));
                foreach (int source in sourceIds)
                {
                    _tierStates.TryRemove(source, out _);
                }

                if (merged is not null)
                {
                    TierState(merged.Id);
                }
            }
            finally
            {
                _lock.ExitWriteLock();
            }
        }
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
