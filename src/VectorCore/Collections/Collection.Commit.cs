using System.Diagnostics;
using VectorEngine.Collections;
using VectorEngine.Diagnostics;
using VectorEngine.Storage;
using VectorEngine.Storage.Wal;

namespace VectorEngine;

/// <summary>The write path: log, wait until durable, apply in log order; sealing when the mutable segment is full.</summary>
public sealed partial class Collection
{
    private static readonly TimeSpan SealRetryDelay = TimeSpan.FromSeconds(10);
    private long _sealRetryAfterTicks;

    /// <summary>
    /// Appends <paramref name="record"/> to the WAL, waits until it is durable (per the sync mode) without holding any
    /// lock, then applies it under the write lock in log order. A write whose append or fsync fails is never applied
    /// (so never visible) and stops the collection. Seals afterwards when the mutable segment is full.
    /// </summary>
    private T LogAndApply<T>(ByteWriter record, Func<T> apply)
    {
        long ticket;
        long position;
        WalWriter wal;
        lock (_appendGate)
        {
            ThrowIfNotWritable();
            wal = _wal;
            try
            {
                position = wal.Append(record);
            }
            catch (IOException e)
            {
                throw Stop(e);
            }

            ticket = _sequencer.Issue();
        }

        try
        {
            if (_dbOptions.WalSyncMode == WalSyncMode.PerWrite)
            {
                wal.WaitDurable(position);
            }
        }
        catch (IOException e)
        {
            _sequencer.Abandon(ticket);
            throw Stop(e);
        }
        catch
        {
            _sequencer.Abandon(ticket);
            throw;
        }

        _sequencer.WaitTurn(ticket);
        T result;
        bool full;
        _lock.EnterWriteLock();
        try
        {
            result = apply();
            full = MutableIsFull();
        }
        finally
        {
            _lock.ExitWriteLock();
            _sequencer.Done(ticket);
        }

        if (full)
        {
            // The write is applied and durable whatever happens to the seal: a failed seal is logged, never reported
            // as this write's error.
            SealWhenFull();
        }

        return result;
    }

    private void ThrowIfNotWritable()
    {
        if (_disposed)
        {
            ThrowHelper.ThrowClosed($"Collection '{Name}'");
        }

        if (Volatile.Read(ref _storageFailure) is { } failure)
        {
            throw new StorageFailureException(Name, failure.InnerException!);
        }
    }

    /// <summary>Seals after a write filled the mutable segment, unless a failed seal asked to wait before trying again.</summary>
    private void SealWhenFull()
    {
        if (Environment.TickCount64 < Volatile.Read(ref _sealRetryAfterTicks))
        {
            return;
        }

        try
        {
            Seal(onlyWhenFull: true);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or StackOverflowException or AccessViolationException))
        {
            // Seal has already stopped the collection if the failure left the files in doubt, and logged it; an index
            // build that failed some other way is logged here. Either way the write itself stands.
            if (e is not (IOException or VectorEngineException or UnauthorizedAccessException))
            {
                Log.SealFailed(_logger, Name, e);
            }
        }
    }

    /// <summary>
    /// Seals the mutable segment with no write in flight: new appends wait on the append gate, and every record already
    /// appended to the current WAL is applied before the WAL is retired.
    /// </summary>
    private void Seal(bool onlyWhenFull)
    {
        lock (_appendGate)
        {
            ThrowIfNotWritable();
            _sequencer.Drain();
            _lock.EnterWriteLock();
            try
            {
                if (onlyWhenFull && !MutableIsFull())
                {
                    return;
                }

                try
                {
                    SealMutable();
                    Volatile.Write(ref _sealRetryAfterTicks, 0);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or VectorEngineException)
                {
                    if (e is not StorageFailureException)
                    {
                        Log.SealFailed(_logger, Name, e);
                    }

                    Volatile.Write(ref _sealRetryAfterTicks, Environment.TickCount64 + (long)SealRetryDelay.TotalMilliseconds);
                    throw;
                }
            }
            finally
            {
                _lock.ExitWriteLock();
            }
        }
    }

    /// <summary>The timer of <see cref="WalSyncMode.Interval"/>: a failed fsync stops the collection instead of the process.</summary>
    private void FlushWalInBackground()
    {
        if (_disposed || _storageFailure is not null)
        {
            return;
        }

        try
        {
            _wal.Flush();
        }
        catch (ObjectDisposedException)
        {
        }
        catch (IOException e)
        {
            Stop(e);
        }
        catch (Exception e)
        {
            Debug.Fail(e.ToString());
            Stop(e);
        }
    }
}
