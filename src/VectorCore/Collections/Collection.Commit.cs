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
        Logged logged = Append(record);
        try
        {
            if (_dbOptions.WalSyncMode == WalSyncMode.PerWrite)
            {
                logged.Wal.WaitDurable(logged.Position);
            }
        }
        catch (Exception e)
        {
            // A record that never became durable is never applied; a failed fsync stops the collection.
            _sequencer.Abandon(logged.Ticket);
            if (e is IOException io)
            {
                throw Stop(io);
            }

            throw;
        }

        _sequencer.WaitTurn(logged.Ticket);
        return ApplyInTurn(logged, apply);
    }

    /// <summary>
    /// <see cref="LogAndApply"/> for asynchronous callers: no thread waits for the fsync or for earlier writes. Once the
    /// record is in the WAL the write goes through whatever the caller's token says: recovery would replay it anyway.
    /// </summary>
    private async Task<T> LogAndApplyAsync<T>(ByteWriter record, Func<T> apply)
    {
        Logged logged = Append(record);
        try
        {
            if (_dbOptions.WalSyncMode == WalSyncMode.PerWrite)
            {
                await logged.Wal.WaitDurableAsync(logged.Position).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            // A record that never became durable is never applied; a failed fsync stops the collection.
            _sequencer.Abandon(logged.Ticket);
            if (e is IOException io)
            {
                throw Stop(io);
            }

            throw;
        }

        await _sequencer.WaitTurnAsync(logged.Ticket).ConfigureAwait(false);
        return ApplyInTurn(logged, apply);
    }

    /// <summary>A record in the WAL, not yet applied: where it ends, in which file, and its place in the apply order.</summary>
    private readonly record struct Logged(WalWriter Wal, long Position, long Ticket);

    private Logged Append(ByteWriter record)
    {
        lock (_appendGate)
        {
            ThrowIfNotWritable();
            WalWriter wal = _wal.Writer;
            long position;
            try
            {
                position = wal.Append(record);
            }
            catch (IOException e)
            {
                throw Stop(e);
            }

            return new Logged(wal, position, _sequencer.Issue());
        }
    }

    private T ApplyInTurn<T>(Logged logged, Func<T> apply)
    {
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
            _sequencer.Done(logged.Ticket);
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
