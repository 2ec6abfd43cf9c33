using VectorEngine.Diagnostics;
using VectorEngine.Segments;

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
            // stops the optimizer first), so the new segment is written without holding the collection lock.
            Segment? merged = null;
            int newId = AllocateSegmentId();
            string directory = SegmentDirectory(newId);
            if (rows.Count > 0)
            {
                SegmentFiles.Write(directory, Dimension, Metric, rows, deleted: null);
                merged = SegmentFiles.Load(directory, newId, Dimension, Metric, Options.PayloadIndexes);
                merged.Index = _indexFactory.Build(merged.Store, Options.EffectiveIndex.Parameters);
                merged.Index.Save(directory);
            }

            EnterWrite();
            try
            {
                for (int i = 0; i < rows.Count; i++)
                {
                    (Segment source, uint offset) = rows[i];
                    if (source.IsLive(offset))
                    {
                        _idMap[source.IdAt(offset)] = new PointLocation(newId, (uint)i);
                    }
                    else
                    {
                        // Deleted or replaced while the merge ran.
                        merged!.Delete((uint)i);
                    }
                }

                foreach (Segment source in sources)
                {
                    _segments.Remove(source.Id);
                }

                if (merged is not null)
                {
                    _segments.Add(newId, merged);
                }

                WriteCheckpoint(_walGeneration);
            }
            finally
            {
                _lock.ExitWriteLock();
            }

            foreach (Segment source in sources)
            {
                source.Dispose();
                System.IO.Directory.Delete(SegmentDirectory(source.Id), recursive: true);
            }

            Log.SegmentsMerged(_logger, Name, string.Join(",", sources.Select(s => s.Id)), newId, merged?.LiveCount ?? 0);
            return sources.Count;
        }
    }

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

        return picked;
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
                catch (VectorEngineException e) when (e.Kind == VectorEngineErrorKind.Closed)
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
