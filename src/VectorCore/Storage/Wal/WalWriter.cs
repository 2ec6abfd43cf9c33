using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace VectorEngine.Storage.Wal;

/// <summary>
/// Appends CRC32C-framed records to one WAL file: <c>[u32 length][u32 crc32c(payload)][payload]</c>.
/// Durability uses group commit: a writer that needs its record on disk either finds a concurrent fsync already covered
/// it or runs one fsync that covers everything written so far.
/// </summary>
internal sealed class WalWriter : IDisposable
{
    /// <summary>Bytes a record's frame adds before its payload; callers reserve them at the start of their buffer.</summary>
    public const int FrameSize = 8;

    /// <summary>Largest payload accepted (a larger length in a file is treated as corruption).</summary>
    public const int MaxRecordSize = 1 << 30;

    private readonly SafeFileHandle _handle;
    private readonly object _appendLock = new();
    private readonly object _flushLock = new();
    private long _written;
    private long _durable;
    private bool _disposed;

    private WalWriter(string path, SafeFileHandle handle, long generation, long length)
    {
        Path = path;
        _handle = handle;
        Generation = generation;
        _written = length;
        _durable = length;
    }

    public string Path { get; }

    public long Generation { get; }

    public long Length => Volatile.Read(ref _written);

    /// <summary>Creates a new, empty WAL file with its header, durably.</summary>
    public static WalWriter Create(string path, long generation)
    {
        SafeFileHandle handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        Span<byte> header = stackalloc byte[WalFileHeader.Size];
        new WalFileHeader(generation).Write(header);
        RandomAccess.Write(handle, header, 0);
        RandomAccess.FlushToDisk(handle);
        DurableFile.SyncDirectory(System.IO.Path.GetDirectoryName(path)!);
        return new WalWriter(path, handle, generation, WalFileHeader.Size);
    }

    /// <summary>Opens an existing WAL file to append after its last valid record (the reader has truncated any torn tail).</summary>
    public static WalWriter OpenAppend(string path, long generation, long validLength)
    {
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        return new WalWriter(path, handle, generation, validLength);
    }

    /// <summary>
    /// Frames and writes the record in <paramref name="record"/>, whose first <see cref="FrameSize"/> bytes are reserved
    /// for the frame. Returns the file position after the record, to pass to <see cref="WaitDurable"/>.
    /// </summary>
    public long Append(ByteWriter record)
    {
        Span<byte> all = record.WrittenMutable;
        ReadOnlySpan<byte> payload = all[FrameSize..];
        if (payload.Length > MaxRecordSize)
        {
            throw new VectorEngineArgumentException($"Write of {payload.Length} bytes exceeds the WAL record limit of {MaxRecordSize} bytes; split the batch.", "points");
        }

        BinaryPrimitives.WriteUInt32LittleEndian(all, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(all[4..], Crc32C.Compute(payload));
        lock (_appendLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            RandomAccess.Write(_handle, all, _written);
            _written += all.Length;
            return _written;
        }
    }

    /// <summary>Returns once every byte up to <paramref name="position"/> is on stable storage.</summary>
    public void WaitDurable(long position)
    {
        if (Volatile.Read(ref _durable) >= position)
        {
            return;
        }

        lock (_flushLock)
        {
            // Dispose flushes everything first, so a disposed writer has nothing left to wait for.
            if (_durable >= position || _handle.IsClosed)
            {
                return;
            }

            long target = Volatile.Read(ref _written);
            RandomAccess.FlushToDisk(_handle);
            Volatile.Write(ref _durable, target);
        }
    }

    /// <summary>Forces everything written so far to stable storage.</summary>
    public void Flush() => WaitDurable(Volatile.Read(ref _written));

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
            RandomAccess.FlushToDisk(_handle);
            _durable = _written;
            _handle.Dispose();
        }
    }
}
