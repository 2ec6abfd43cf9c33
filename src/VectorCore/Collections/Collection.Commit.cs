using System.Diagnostics;
using VectorEngine.Collections;
using VectorEngine.Diagnostics;
using VectorEngine.Storage;
using VectorEngine.Storage.Wal;

namespace VectorEngine;

/// <summary>The write path: log, wait until durable, apply in log order; a seal once the mutable segment is full.</summary>
public sealed partial class Collection
{
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
            wal = _wal.Writer;
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

    /// <summary>The timer of <see cref="WalSyncMode.Interval"/>: a failed fsync stops the collection instead of the process.</summary>
    private void FlushWalInBackground()
    {
        if (_disposed || _storageFailure is not null)
        {
            return;
        }

        try
        {
            _wal.Writer.Flush();
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
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
