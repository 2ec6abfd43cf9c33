using System.Buffers;
using System.Collections.Concurrent;
using FASTER.core;
using VectorEngine.Diagnostics;
using VectorEngine.Segments;
using Session = FASTER.core.ClientSession<long, FASTER.core.SpanByte, FASTER.core.SpanByte, byte[], FASTER.core.Empty, FASTER.core.IFunctions<long, FASTER.core.SpanByte, FASTER.core.SpanByte, byte[], FASTER.core.Empty>>;

namespace VectorEngine.Tiers;

/// <summary>
/// The payloads of a collection's warm segments in FASTER's key-value store: the hash index and the log's newest pages
/// in memory (VectorDatabaseOptions.WarmPayloadMemoryBytes), older pages on disk, read back on demand.
/// Key: segment id and row offset; value: the payload in MessagePack. The store is a cache of what <c>points.bin</c>
/// holds, not a second source of truth: its log is created afresh at open and filled as segments turn warm, so a crash
/// mid-demotion cannot leave it disagreeing with the segment files.
/// </summary>
internal sealed class WarmPayloadStore : IDisposable
{
    public const string Folder = "warm";
    private const string LogFile = "payloads.log";

    private readonly FasterKV<long, SpanByte> _store;
    private readonly IDevice _device;
    private readonly ConcurrentBag<Session> _sessions = [];
    private readonly ReadToArray _functions = new();
    private int _disposed;

    /// <summary>Opens a fresh store in <paramref name="directory"/>/warm (any log left by an earlier run is deleted first).</summary>
    public WarmPayloadStore(string directory, long memoryBytes)
    {
        string folder = Path.Combine(directory, Folder);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);

        // Pages of 1 MiB (at least 2 in memory, as FASTER needs); the hash index sized for a few million keys grows
        // overflow buckets beyond that.
        long memory = Math.Max(1L << 21, RoundDownToPowerOfTwo(memoryBytes));
        _device = Devices.CreateLogDevice(Path.Combine(folder, LogFile), preallocateFile: false, deleteOnClose: true);
        _store = new FasterKV<long, SpanByte>(new FasterKVSettings<long, SpanByte>
        {
            IndexSize = 1L << 22,
            LogDevice = _device,
            PageSize = 1L << 20,
            MemorySize = memory,
        });
    }

    /// <summary>Bytes of the log held in memory (its in-memory pages).</summary>
    public long MemoryBytes => _store.Log.MemorySizeBytes + _store.IndexSize * 64;

    /// <summary>Writes every payload of <paramref name="segment"/> under its id.</summary>
    public void Write(Segment segment)
    {
        int segmentId = segment.Id;
        Session session = Rent();
        var buffer = new ArrayBufferWriter<byte>(256);
        try
        {
            for (uint offset = 0; offset < segment.Count; offset++)
            {
                buffer.ResetWrittenCount();
                PayloadMessagePack.Write(buffer, segment.PayloadAt(offset));
                long key = Key(segmentId, offset);
                unsafe
                {
                    fixed (byte* bytes = buffer.WrittenSpan)
                    {
                        var value = SpanByte.FromPointer(bytes, buffer.WrittenCount);
                        session.Upsert(ref key, ref value);
                    }
                }
            }

            session.CompletePending(wait: true);
        }
        finally
        {
            Return(session);
        }
    }

    /// <summary>Drops a segment's payloads (it turned hot or cold, or was merged away).</summary>
    public void Forget(int segmentId, int count)
    {
        Session session = Rent();
        try
        {
            for (uint offset = 0; offset < count; offset++)
            {
                long key = Key(segmentId, offset);
                session.Delete(ref key);
            }

            session.CompletePending(wait: true);
        }
        finally
        {
            Return(session);
        }
    }

    /// <summary>The payload of one row, from memory or, for an older page, from the log file.</summary>
    public Payload Read(int segmentId, uint offset)
    {
        Session session = Rent();
        try
        {
            long key = Key(segmentId, offset);
            byte[] output = [];
            Status status = session.Read(ref key, ref output);
            if (status.IsPending)
            {
                session.CompletePendingWithOutputs(out CompletedOutputIterator<long, SpanByte, SpanByte, byte[], Empty> completed, wait: true);
                using (completed)
                {
                    while (completed.Next())
                    {
                        status = completed.Current.Status;
                        output = completed.Current.Output;
                    }
                }
            }

            if (!status.Found)
            {
                ThrowHelper.ThrowCorrupt($"The warm payload of segment {segmentId} row {offset} is missing from the warm store.");
            }

            return PayloadMessagePack.Read(output);
        }
        finally
        {
            Return(session);
        }
    }

    /// <summary>A segment's payloads, read from this store.</summary>
    public IPayloadStore View(int segmentId, int count) => new WarmPayloads(this, segmentId, count);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        while (_sessions.TryTake(out Session? session))
        {
            session.Dispose();
        }

        _store.Dispose();
        _device.Dispose();
    }

    private static long Key(int segmentId, uint offset) => ((long)segmentId << 32) | offset;

    private static long RoundDownToPowerOfTwo(long value) => value <= 0 ? 0 : 1L << (63 - (int)long.LeadingZeroCount(value));

    private Session Rent()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _sessions.TryTake(out Session? session)
            ? session
            : _store.NewSession<SpanByte, byte[], Empty>(_functions);
    }

    private void Return(Session session)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            session.Dispose();
            return;
        }

        _sessions.Add(session);
    }

    /// <summary>Reads copy the value out: the record's memory may be reused once the read returns.</summary>
    private sealed class ReadToArray : SpanByteFunctions<long, byte[], Empty>
    {
        public override bool SingleReader(ref long key, ref SpanByte input, ref SpanByte value, ref byte[] dst, ref ReadInfo readInfo)
        {
            dst = value.ToByteArray();
            return true;
        }

        public override bool ConcurrentReader(ref long key, ref SpanByte input, ref SpanByte value, ref byte[] dst, ref ReadInfo readInfo)
        {
            dst = value.ToByteArray();
            return true;
        }
    }

    private sealed class WarmPayloads(WarmPayloadStore store, int segmentId, int count) : IPayloadStore
    {
        public int Count => count;

        public Payload PayloadAt(uint offset) => store.Read(segmentId, offset);
    }
}
