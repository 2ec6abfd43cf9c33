using System.Buffers.Binary;
using System.IO.Hashing;
using Google.Protobuf;
using VectorEngine.Api.Cluster.V1;
using VectorEngine.Storage;

namespace VectorEngine.Sharding.Replication;

/// <summary>
/// One shard copy's replication log on disk: entries with consecutive sequence numbers (LSNs) after a base (the LSN a
/// snapshot or a compaction left off at), each tagged with the epoch of the primary that logged it. Appends are
/// forced to disk by <see cref="Sync"/> (group commit: one fsync covers every append before it). A replica drops
/// a suffix that conflicts with its primary's log (<see cref="TruncateAfter"/>); the prefix that every copy has
/// applied is compacted away once the log outgrows its retention.
/// </summary>
/// <remarks>
/// File <c>log</c>: a 32-byte header (magic, format, base LSN, base epoch, CRC) then records of
/// [u32 length][u32 CRC-32 of the body][body: a serialized <see cref="LogEntry"/>]. A torn or failing record with nothing
/// valid after it (a crash mid-append) is cut off at open; that suffix was never acknowledged, as its fsync had not
/// returned. File <c>epoch</c>: the highest epoch this copy promised to a coordinator (fenced), fsynced before the
/// promise is answered, so a restart cannot forget it. Entries are also kept in memory for replication reads.
/// <para>All I/O goes through <see cref="IFileSystem"/>, so fault-injection tests reach it as they reach the collections.</para>
/// </remarks>
internal sealed class ShardLog : IDisposable
{
    private const uint Magic = 0x4C534556; // "VESL"
    private const int FormatVersion = 1;
    private const int HeaderBytes = 32;
    private const string LogFile = "log";
    private const string EpochFile = "epoch";
    private const string AppliedFile = "applied";

    private readonly IFileSystem _fs;
    private readonly string _directory;
    private readonly Lock _gate = new();
    private readonly Lock _syncGate = new();
    private readonly List<LogEntry> _entries = [];
    private readonly List<long> _offsets = [];
    private IStorageFile _file;
    private long _end;
    private long _durable;
    private volatile IOException? _failure;

    private ShardLog(IFileSystem fs, string directory, IStorageFile file, long baseLsn, long baseEpoch)
    {
        _fs = fs;
        _directory = directory;
        _file = file;
        BaseLsn = baseLsn;
        BaseEpoch = baseEpoch;
    }

    /// <summary>The LSN before the first entry held (a snapshot's or compaction's end); 0 for a log that starts empty.</summary>
    public long BaseLsn { get; private set; }

    /// <summary>The epoch of the entry at <see cref="BaseLsn"/>.</summary>
    public long BaseEpoch { get; private set; }

    /// <summary>The last entry's LSN (the base when empty).</summary>
    public long LastLsn
    {
        get
        {
            lock (_gate)
            {
                return BaseLsn + _entries.Count;
            }
        }
    }

    /// <summary>The last entry's epoch.</summary>
    public long LastEpoch
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count == 0 ? BaseEpoch : (long)_entries[^1].Epoch;
            }
        }
    }

    /// <summary>The LSN up to which entries are known to be on disk.</summary>
    public long DurableLsn => Interlocked.Read(ref _durable);

    /// <summary>Bytes of entries held (what compaction bounds).</summary>
    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                return _end - HeaderBytes;
            }
        }
    }

    /// <summary>
    /// The first write or fsync error, after which every change is refused (PostgreSQL's lesson: after a failed fsync
    /// the kernel may have dropped the pages, so retrying cannot make them durable). Reopening recovers from disk.
    /// </summary>
    public IOException? Failure => _failure;

    /// <summary>The highest epoch promised to a coordinator (0: none).</summary>
    public long PromisedEpoch { get; private set; }

    /// <summary>Opens the log in <paramref name="directory"/>, creating an empty one; cuts a torn tail.</summary>
    /// <exception cref="InvalidDataException">A damaged header, or a damaged record followed by valid ones.</exception>
    public static ShardLog Open(IFileSystem fs, string directory)
    {
        fs.CreateDirectory(directory);
        string path = Path.Combine(directory, LogFile);
        if (!fs.FileExists(path))
        {
            WriteFresh(fs, directory, 0, 0, []);
        }

        IStorageFile file = fs.OpenFile(path, StorageFileMode.OpenExisting);
        try
        {
            Span<byte> header = stackalloc byte[HeaderBytes];
            if (file.Read(header, 0) != HeaderBytes || BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic
                || BinaryPrimitives.ReadUInt32LittleEndian(header[28..]) != Crc32.HashToUInt32(header[..28]))
            {
                throw new InvalidDataException($"The replication log header in {directory} is damaged.");
            }

            var log = new ShardLog(fs, directory, file, BinaryPrimitives.ReadInt64LittleEndian(header[8..]), BinaryPrimitives.ReadInt64LittleEndian(header[16..]));
            log.LoadRecords();
            log.PromisedEpoch = ReadNumber(fs, Path.Combine(directory, EpochFile));
            return log;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The epoch of the entry at <paramref name="lsn"/>, or -1 when the log does not hold it.</summary>
    public long EpochAt(long lsn)
    {
        lock (_gate)
        {
            if (lsn == BaseLsn)
            {
                return BaseEpoch;
            }

            long index = lsn - BaseLsn - 1;
            return index >= 0 && index < _entries.Count ? (long)_entries[(int)index].Epoch : -1;
        }
    }

    /// <summary>The entry at <paramref name="lsn"/> (which must be held).</summary>
    public LogEntry Get(long lsn)
    {
        lock (_gate)
        {
            return _entries[checked((int)(lsn - BaseLsn - 1))];
        }
    }

    /// <summary>The first LSN of the run of entries sharing the epoch of the entry at <paramref name="lsn"/> (a mismatch hint).</summary>
    public long FirstOfEpochRun(long lsn)
    {
        lock (_gate)
        {
            long epoch = EpochAt(lsn);
            long first = lsn;
            while (first - 1 > BaseLsn && EpochAt(first - 1) == epoch)
            {
                first--;
            }

            return first;
        }
    }

    /// <summary>Entries from <paramref name="fromLsn"/> on, up to about <paramref name="maxBytes"/> (at least one when any).</summary>
    public IReadOnlyList<LogEntry> Read(long fromLsn, int maxBytes)
    {
        lock (_gate)
        {
            var read = new List<LogEntry>();
            long bytes = 0;
            for (long index = fromLsn - BaseLsn - 1; index >= 0 && index < _entries.Count && (read.Count == 0 || bytes < maxBytes); index++)
            {
                LogEntry entry = _entries[(int)index];
                read.Add(entry);
                bytes += entry.CalculateSize();
            }

            return read;
        }
    }

    /// <summary>Appends entries that continue the log (LSN = last + 1, ...); not durable until <see cref="Sync"/>.</summary>
    public void Append(IReadOnlyList<LogEntry> entries)
    {
        ThrowIfFailed();
        try
        {
            lock (_gate)
            {
                foreach (LogEntry entry in entries)
                {
                    if ((long)entry.Lsn != BaseLsn + _entries.Count + 1)
                    {
                        throw new InvalidOperationException($"Log entry {entry.Lsn} does not follow {BaseLsn + _entries.Count}.");
                    }

                    byte[] body = entry.ToByteArray();
                    byte[] record = new byte[8 + body.Length];
                    BinaryPrimitives.WriteInt32LittleEndian(record, body.Length);
                    BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32.HashToUInt32(body));
                    body.CopyTo(record, 8);
                    _file.Write(record, _end);
                    _offsets.Add(_end);
                    _end += record.Length;
                    _entries.Add(entry);
                }
            }
        }
        catch (IOException e)
        {
            _failure ??= e;
            throw;
        }
    }

    /// <summary>Forces every entry up to <paramref name="lsn"/> to disk (one fsync serves every writer waiting).</summary>
    public void Sync(long lsn)
    {
        ThrowIfFailed();
        try
        {
            lock (_syncGate)
            {
                if (Interlocked.Read(ref _durable) >= lsn)
                {
                    return;
                }

                long upTo = LastLsn;
                _file.Sync();
                InterlockedMax(ref _durable, upTo);
            }
        }
        catch (IOException e)
        {
            _failure ??= e;
            throw;
        }
    }

    /// <summary>Drops every entry after <paramref name="lsn"/> (a suffix no primary acknowledged), durably.</summary>
    public void TruncateAfter(long lsn)
    {
        ThrowIfFailed();
        try
        {
            lock (_syncGate)
            {
                lock (_gate)
                {
                    int keep = checked((int)(lsn - BaseLsn));
                    if (keep < 0 || keep >= _entries.Count)
                    {
                        return;
                    }

                    _end = _offsets[keep];
                    _entries.RemoveRange(keep, _entries.Count - keep);
                    _offsets.RemoveRange(keep, _offsets.Count - keep);
                    _file.SetLength(_end);
                    _file.Sync();
                    Interlocked.Exchange(ref _durable, Math.Min(Interlocked.Read(ref _durable), lsn));
                }
            }
        }
        catch (IOException e)
        {
            _failure ??= e;
            throw;
        }
    }

    /// <summary>
    /// Starts the log over, empty, at (<paramref name="baseLsn"/>, <paramref name="baseEpoch"/>): after a snapshot was
    /// installed, or to drop the prefix up to <paramref name="baseLsn"/> (compaction), keeping the entries after it.
    /// </summary>
    public void Rebase(long baseLsn, long baseEpoch)
    {
        ThrowIfFailed();
        try
        {
            lock (_syncGate)
            {
                lock (_gate)
                {
                    long skip = baseLsn - BaseLsn;
                    LogEntry[] kept = skip >= 0 && skip < _entries.Count ? _entries.Skip((int)skip).ToArray() : [];
                    _file.Dispose();
                    WriteFresh(_fs, _directory, baseLsn, baseEpoch, kept);
                    _file = _fs.OpenFile(Path.Combine(_directory, LogFile), StorageFileMode.OpenExisting);
                    BaseLsn = baseLsn;
                    BaseEpoch = baseEpoch;
                    _entries.Clear();
                    _offsets.Clear();
                    LoadRecords();
                }
            }
        }
        catch (IOException e)
        {
            _failure ??= e;
            throw;
        }
    }

    /// <summary>Records a promise to refuse every epoch below <paramref name="epoch"/>, durably; false when an equal or higher one stands.</summary>
    public bool Promise(long epoch)
    {
        ThrowIfFailed();
        try
        {
            lock (_syncGate)
            {
                if (epoch <= PromisedEpoch)
                {
                    return false;
                }

                WriteNumber(_fs, Path.Combine(_directory, EpochFile), epoch, durable: true);
                PromisedEpoch = epoch;
                return true;
            }
        }
        catch (IOException e)
        {
            _failure ??= e;
            throw;
        }
    }

    /// <summary>The applied LSN last noted (a lower bound of what the shard's collection holds), 0 when none.</summary>
    public long ReadAppliedHint() => ReadNumber(_fs, Path.Combine(_directory, AppliedFile));

    /// <summary>Notes how far the collection has applied (no fsync: a lower value after a power loss only costs replay).</summary>
    public void WriteAppliedHint(long lsn) => WriteNumber(_fs, Path.Combine(_directory, AppliedFile), lsn, durable: false);

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_syncGate)
        {
            _file.Dispose();
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw new IOException($"The replication log in {_directory} stopped after a storage error; restart the node to recover it: {failure.Message}", failure);
        }
    }

    private void LoadRecords()
    {
        long length = _file.Length;
        long offset = HeaderBytes;
        Span<byte> prefix = stackalloc byte[8];
        while (offset + 8 <= length)
        {
            _file.Read(prefix, offset);
            int size = BinaryPrimitives.ReadInt32LittleEndian(prefix);
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(prefix[4..]);
            if (size < 0 || offset + 8 + size > length)
            {
                break;
            }

            byte[] body = new byte[size];
            _file.Read(body, offset + 8);
            if (Crc32.HashToUInt32(body) != crc)
            {
                break;
            }

            LogEntry entry = LogEntry.Parser.ParseFrom(body);
            if ((long)entry.Lsn != BaseLsn + _entries.Count + 1)
            {
                throw new InvalidDataException($"The replication log in {_directory} holds entry {entry.Lsn} after {BaseLsn + _entries.Count}.");
            }

            _offsets.Add(offset);
            _entries.Add(entry);
            offset += 8 + size;
        }

        if (offset < length)
        {
            if (HasValidRecordAfter(offset, length))
            {
                throw new InvalidDataException(
                    $"The replication log in {_directory} is damaged at byte {offset} with valid records after it; remove the shard directory to rebuild the copy from its primary.");
            }

            _file.SetLength(offset);
            _file.Sync();
        }

        _end = offset;
        _durable = BaseLsn + _entries.Count;
    }

    // A torn tail is garbage to the end; damage in the middle leaves whole records after it. Looks for one.
    private bool HasValidRecordAfter(long damaged, long length)
    {
        Span<byte> prefix = stackalloc byte[8];
        for (long offset = damaged + 1; offset + 8 <= length; offset++)
        {
            _file.Read(prefix, offset);
            int size = BinaryPrimitives.ReadInt32LittleEndian(prefix);
            if (size <= 0 || offset + 8 + size > length)
            {
                continue;
            }

            byte[] body = new byte[size];
            _file.Read(body, offset + 8);
            if (Crc32.HashToUInt32(body) == BinaryPrimitives.ReadUInt32LittleEndian(prefix[4..]))
            {
                return true;
            }
        }

        return false;
    }

    private static void WriteFresh(IFileSystem fs, string directory, long baseLsn, long baseEpoch, IReadOnlyList<LogEntry> entries)
    {
        string temp = Path.Combine(directory, LogFile + ".tmp");
        using (var stream = new MemoryStream())
        {
            byte[] header = new byte[HeaderBytes];
            BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), FormatVersion);
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(8), baseLsn);
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), baseEpoch);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(28), Crc32.HashToUInt32(header.AsSpan(0, 28)));
            stream.Write(header);
            Span<byte> prefix = stackalloc byte[8];
            foreach (LogEntry entry in entries)
            {
                byte[] body = entry.ToByteArray();
                BinaryPrimitives.WriteInt32LittleEndian(prefix, body.Length);
                BinaryPrimitives.WriteUInt32LittleEndian(prefix[4..], Crc32.HashToUInt32(body));
                stream.Write(prefix);
                stream.Write(body);
            }

            using IStorageFile file = fs.OpenFile(temp, StorageFileMode.Create);
            file.Write(stream.GetBuffer().AsSpan(0, (int)stream.Length), 0);
            file.Sync();
        }

        fs.MoveFile(temp, Path.Combine(directory, LogFile), overwrite: true);
        fs.SyncDirectory(directory);
    }

    private static long ReadNumber(IFileSystem fs, string path)
    {
        if (!fs.FileExists(path))
        {
            return 0;
        }

        using IStorageFile file = fs.OpenFile(path, StorageFileMode.OpenRead);
        Span<byte> bytes = stackalloc byte[12];
        return file.Length == 12 && file.Read(bytes, 0) == 12 && BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]) == Crc32.HashToUInt32(bytes[..8])
            ? BinaryPrimitives.ReadInt64LittleEndian(bytes)
            : 0;
    }

    private static void WriteNumber(IFileSystem fs, string path, long value, bool durable)
    {
        Span<byte> bytes = stackalloc byte[12];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[8..], Crc32.HashToUInt32(bytes[..8]));
        string temp = path + ".tmp";
        using (IStorageFile file = fs.OpenFile(temp, StorageFileMode.Create))
        {
            file.Write(bytes, 0);
            if (durable)
            {
                file.Sync();
            }
        }

        fs.MoveFile(temp, path, overwrite: true);
        if (durable)
        {
            fs.SyncDirectory(Path.GetDirectoryName(path)!);
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long seen;
        while ((seen = Interlocked.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
