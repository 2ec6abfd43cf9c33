using System.Diagnostics;
using VectorEngine.Diagnostics;
using VectorEngine.Segments;
using VectorEngine.Storage;
using VectorEngine.Storage.Wal;

namespace VectorEngine;

/// <summary>
/// Sealing, in three steps so that no search and few writes wait for it: freeze (the mutable segment stops taking
/// appends and a new one and a new WAL generation take over, a brief swap), build (files, mapped vectors and the index,
/// beside the published set while the frozen segment is searched exactly) and commit (tombstones, then the manifest,
/// then the sealed form replaces the frozen one in a new set).
/// </summary>
public sealed partial class Collection
{
    private static readonly TimeSpan SealRetryDelay = TimeSpan.FromSeconds(10);

    // One seal at a time. Dispose takes it to wait for a build in progress.
    private readonly object _sealGate = new();
    private long _sealRetryAfterTicks;

    // A frozen segment not yet replaced by its sealed form (a build in progress, or one that failed and is retried by
    // the next seal), and the WAL generation that started when it froze: the manifest's replay start once it is sealed.
    private Segment? _frozen;
    private long _generationAfterFrozen;

    /// <summary>
    /// Seals the mutable segment now (writes its files, builds its index) so that reopening replays nothing written
    /// before the call. Sealing also happens on its own when the mutable segment is full. Searches go on meanwhile.
    /// </summary>
    /// <exception cref="StorageFailureException">The collection is stopped, or the checkpoint left its files in doubt and stopped it.</exception>
    /// <exception cref="IOException">The segment could not be written; nothing was lost and the collection goes on.</exception>
    public void Checkpoint()
    {
        lock (_sealGate)
        {
            ThrowIfNotWritable();
            SealPendingThenMutable(onlyWhenFull: false);
        }
    }

    /// <summary>
    /// Seals after a write filled the mutable segment, on the writing thread, unless a seal is already running or a failed
    /// one asked to wait before trying again. The write itself is applied and durable whatever happens here.
    /// </summary>
    private void SealWhenFull()
    {
        if (Environment.TickCount64 < Volatile.Read(ref _sealRetryAfterTicks) || !Monitor.TryEnter(_sealGate))
        {
            return;
        }

        try
        {
            if (_disposed || _storageFailure is not null)
            {
                return;
            }

            SealPendingThenMutable(onlyWhenFull: true);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or StackOverflowException or AccessViolationException))
        {
            // A failure that left files in doubt has stopped the collection and is logged; others are logged here.
            if (e is not StorageFailureException)
            {
                Log.SealFailed(_logger, Name, e);
            }
        }
        finally
        {
            Monitor.Exit(_sealGate);
        }
    }

    /// <summary>Finishes a frozen segment an earlier seal left behind, then seals the mutable segment (when full, if asked).</summary>
    private void SealPendingThenMutable(bool onlyWhenFull)
    {
        if (_frozen is not null)
        {
            SealFrozen();
        }

        if (Freeze(onlyWhenFull))
        {
            SealFrozen();
        }
    }

    private bool MutableIsFull()
    {
        Segment mutable = _set!.Mutable;
        return mutable.Count >= _dbOptions.MaxMutableSegmentPoints ||
            (long)mutable.Count * mutable.Store.Stride * sizeof(float) >= _dbOptions.MaxMutableSegmentBytes;
    }

    /// <summary>
    /// Step 1, with no write in flight: flushes the WAL, starts its next generation and publishes a set in which the
    /// mutable segment is frozen and a new, empty one takes appends. False when there is nothing to seal.
    /// </summary>
    private bool Freeze(bool onlyWhenFull)
    {
        Debug.Assert(Monitor.IsEntered(_sealGate) && _frozen is null, "one seal at a time");
        lock (_appendGate)
        {
            ThrowIfNotWritable();
            _sequencer.Drain();
            Segment mutable = _set!.Mutable;
            if (mutable.Count == 0 || (onlyWhenFull && !MutableIsFull()))
            {
                return false;
            }

            try
            {
                _wal.Writer.Flush();
            }
            catch (IOException e)
            {
                throw Stop(e);
            }

            // A failure here changes nothing: the mutable segment goes on taking writes and a later seal tries again.
            WalWriter next = RetryLaterOnFailure(_wal.CreateNext);
            Segment fresh = Segment.CreateMutable(AllocateSegmentId(), Dimension, Metric, Options.IndexSchema);
            _lock.EnterWriteLock();
            try
            {
                mutable.Freeze();
                Publish(_set.With([fresh], [], mutable: fresh));
            }
            finally
            {
                _lock.ExitWriteLock();
            }

            // Both generations are replayed until the manifest names the sealed segment.
            _wal.SwitchTo(next);
            _frozen = mutable;
            _generationAfterFrozen = next.Generation;
            return true;
        }
    }

    /// <summary>
    /// Steps 2 and 3: builds the frozen segment's sealed form with no lock held, then, with no write in flight, writes
    /// the tombstones set meanwhile and commits with one manifest replace, and publishes. A failure before the replace
    /// leaves the frozen segment searchable and its WAL in place for the next try; a failed replace leaves the manifest
    /// in doubt (old or new), so it stops the collection and leaves every file for recovery.
    /// </summary>
    private void SealFrozen()
    {
        Debug.Assert(Monitor.IsEntered(_sealGate), "one seal at a time");
        Segment frozen = _frozen!;
        string directory = SegmentDirectory(frozen.Id);
        Segment sealedSegment;
        try
        {
            sealedSegment = RetryLaterOnFailure(() => _sealer.Seal(frozen, directory));
        }
        catch
        {
            TryDelete(directory, isDirectory: true);
            throw;
        }

        lock (_appendGate)
        {
            if (_disposed || _storageFailure is not null)
            {
                sealedSegment.Dispose();
                ThrowIfNotWritable();
            }

            _sequencer.Drain();
            try
            {
                sealedSegment.RecountDeleted();
                RetryLaterOnFailure(() => SegmentFiles.WriteTombstones(_fs, directory, sealedSegment.Deleted, sealedSegment.Count));
            }
            catch
            {
                sealedSegment.Dispose();
                TryDelete(directory, isDirectory: true);
                throw;
            }

            try
            {
                WriteManifest(_generationAfterFrozen, _set!.Persisted.Select(s => s.Id).Append(frozen.Id));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                sealedSegment.Dispose();
                throw Stop(e);
            }

            _lock.EnterWriteLock();
            try
            {
                Publish(_set.With([sealedSegment], [frozen.Id]));
                TierState(sealedSegment.Id);
            }
            finally
            {
                _lock.ExitWriteLock();
            }

            _replayFromGeneration = _generationAfterFrozen;
            _frozen = null;
            Volatile.Write(ref _sealRetryAfterTicks, 0);
        }

        _wal.RemoveBefore(_replayFromGeneration);
        Log.SegmentSealed(_logger, Name, frozen.Id, frozen.Count);
    }

    /// <summary>Runs a seal step; a storage failure (not one that stopped the collection) defers the next automatic try.</summary>
    private T RetryLaterOnFailure<T>(Func<T> step)
    {
        try
        {
            return step();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or VectorEngineException && e is not StorageFailureException)
        {
            Volatile.Write(ref _sealRetryAfterTicks, Environment.TickCount64 + (long)SealRetryDelay.TotalMilliseconds);
            throw;
        }
    }

    private void RetryLaterOnFailure(Action step) => RetryLaterOnFailure(() =>
    {
        step();
        return true;
    });
}
