using System.Buffers.Binary;

namespace VectorEngine.Storage.Wal;

/// <summary>
/// Appends CRC32C-framed records to one WAL file: <c>[u32 length][u32 crc32c(rest)][u64 durable][payload]</c>, where
/// <c>durable</c> is how many bytes of the file were known durable when the record was appended. Recovery uses it to
/// tell a torn tail (damage past every durable mark) from damage to acknowledged records.
/// Durability uses group commit: a writer that needs its record on disk either finds a concurrent fsync already covered
/// it or runs one fsync that covers everything written so far.
/// </summary>
/// <remarks>
/// A failed write or fsync is final (PostgreSQL's answer to fsyncgate): the kernel may have dropped the dirty pages,
/// so a later fsync that succeeds proves nothing. Every later append or wait throws the first error.
/// </remarks>
internal sealed class WalWriter : IDisposable
{
    /// <summary>Bytes a record's frame adds before its payload; callers reserve them at the start of their buffer.</summary>
    public const int FrameSize = 16;

    /// <summary>Largest payload accepted (a larger length in a file is treated as corruption).</summary>
    public const int MaxRecordSize = 1 << 30;

    private readonly IStorageFile _file;
    private readonly object _appendLock = new();
    private readonly object _flushLock = new();
    private readonly object _waitersLock = new();
    private readonly List<(long Position, TaskCompletionSource Durable)> _waiters = [];
    private bool _flusherRunning;
    private long _written;
    private long _durable;
    private bool _disposed;
    private IOException? _failure;

    private WalWriter(string path, IStorageFile file, long generation, long length)
    {
        Path = path;
        _file = file;
        Generation = generation;
        _written = length;
        _durable = length;
    }

    public string Path { get; }

    public long Generation { get; }

    public long Length => Volatile.Read(ref _written);

    /// <summary>The first I/O error, after which the writer accepts nothing; null while healthy.</summary>
    public IOException? Failure => Volatile.Read(ref _failure);

    /// <summary>Creates a new, empty WAL file with its header, durably (the file and its folder entry).</summary>
    public static WalWriter Create(IFileSystem fs, string path, long generation)
    {
        IStorageFile file = fs.OpenFile(path, StorageFileMode.CreateNew);
        try
        {
            Span<byte> header = stackalloc byte[WalFileHeader.Size];
            new WalFileHeader(generation).Write(header);
            file.Write(header, 0);
            file.Sync();
            fs.SyncDirectory(System.IO.Path.GetDirectoryName(path)!);
            return new WalWriter(path, file, generation, WalFileHeader.Size);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Frames and writes the record in <paramref name="record"/>, whose first <see cref="FrameSize"/> bytes are reserved
    /// for the frame. Returns the file position after the record, to pass to <see cref="WaitDurable"/>.
    /// </summary>
    /// <exception cref="IOException">The write failed now or an earlier write or fsync failed.</exception>
    public long Append(ByteWriter record)
    {
        Span<byte> all = record.WrittenMutable;
        int payloadLength = all.Length - FrameSize;
        if (payloadLength > MaxRecordSize)
        {
            throw new VectorEngineArgumentException($"Write of {payloadLength} bytes exceeds the WAL record limit of {MaxRecordSize} bytes; split the batch.", "points");
        }

        lock (_appendLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ThrowIfFailed();
            BinaryPrimitives.WriteUInt32LittleEndian(all, (uint)payloadLength);
            BinaryPrimitives.WriteInt64LittleEndian(all[8..], Volatile.Read(ref _durable));
            BinaryPrimitives.WriteUInt32LittleEndian(all[4..], Crc32C.Compute(all[8..]));
            try
            {
                _file.Write(all, _written);
            }
            catch (IOException e)
            {
                // Part of the record may be in the file: nothing may follow it.
                Fail(e);
                throw;
            }

            _written += all.Length;
            return _written;
        }
    }

    /// <summary>Returns once every byte up to <paramref name="position"/> is on stable storage.</summary>
    /// <exception cref="IOException">The fsync failed now or an earlier write or fsync failed.</exception>
    public void WaitDurable(long position)
    {
        if (Volatile.Read(ref _durable) >= position)
        {
            return;
        }

        lock (_flushLock)
        {
            if (_durable >= position)
            {
                return;
            }

            ThrowIfFailed();
            ObjectDisposedException.ThrowIf(_disposed, this);
            long target = Volatile.Read(ref _written);
            try
            {
                _file.Sync();
            }
            catch (IOException e)
            {
                Fail(e);
                throw;
            }

            Volatile.Write(ref _durable, target);
        }
    }

    /// <summary>
    /// Completes once every byte up to <paramref name="position"/> is on stable storage, blocking no caller: waiters queue
    /// and one flusher on the thread pool runs each fsync for all of them (group commit), then wakes those it covered.
    /// </summary>
    /// <returns>A task that fails with the fsync's <see cref="IOException"/> (or the writer's earlier failure).</returns>
    public Task WaitDurableAsync(long position)
    {
        if (Volatile.Read(ref _durable) >= position)
        {
            return Task.CompletedTask;
        }

        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool startFlusher;
        lock (_waitersLock)
        {
            _waiters.Add((position, durable));
            startFlusher = !_flusherRunning;
            _flusherRunning = true;
        }

        if (startFlusher)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static writer => writer.FlushForWaiters(), this, preferLocal: false);
        }

        return durable.Task;
    }

    // The flusher: while anyone waits, one fsync covers every record written so far; each waiter it covered is released.
    private void FlushForWaiters()
    {
        while (true)
        {
            long target;
            lock (_waitersLock)
            {
                if (_waiters.Count == 0)
                {
                    _flusherRunning = false;
                    return;
                }

                target = 0;
                foreach ((long position, _) in _waiters)
                {
                    target = Math.Max(target, position);
                }
            }

            Exception? failure = null;
            try
            {
                WaitDurable(target);
            }
            catch (Exception e)
            {
                // Whatever stopped the fsync (an I/O error, a closed file) is every waiter's answer; nothing may escape
                // a thread-pool item or leave the waiters hanging.
                failure = e;
            }

            long durable = Volatile.Read(ref _durable);
            List<TaskCompletionSource> released = [];
            List<TaskCompletionSource> failed = [];
            lock (_waitersLock)
            {
                _waiters.RemoveAll(waiter =>
                {
                    if (waiter.Position <= durable)
                    {
                        released.Add(waiter.Durable);
                        return true;
                    }

                    if (failure is not null)
                    {
                        failed.Add(waiter.Durable);
                        return true;
                    }

                    return false;
                });
            }

            released.ForEach(waiter => waiter.SetResult());
            failed.ForEach(waiter => waiter.SetException(failure!));
        }
    }

    /// <summary>Forces everything written so far to stable storage.</summary>
    public void Flush() => WaitDurable(Volatile.Read(ref _written));

    /// <summary>Closes the file without syncing it (callers flush first when they want durability).</summary>
    public void Dispose()
    {
        lock (_appendLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        lock (_flushLock)
        {
            _file.Dispose();
        }
    }

    private void Fail(IOException error) => Interlocked.CompareExchange(ref _failure, error, null);

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            throw new IOException($"The write-ahead log failed earlier ({failure.Message}); nothing more is written to it.", failure);
        }
    }
}
