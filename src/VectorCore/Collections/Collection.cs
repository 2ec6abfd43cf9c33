using System.Diagnostics;
using Microsoft.Extensions.Logging;
using VectorEngine.Collections;
using VectorEngine.Diagnostics;
using VectorEngine.Indexing;
using VectorEngine.Segments;
using VectorEngine.Storage;
using VectorEngine.Storage.Wal;

namespace VectorEngine;

/// <summary>
/// A named set of points of one dimension and metric: durable (WAL + segments), filtered, searchable. Safe for any
/// number of concurrent readers and writers. Obtain one from <see cref="VectorDatabase"/>.
/// </summary>
/// <remarks>
/// <para>Collection coordinates; the parts have types of their own: <see cref="WriteAheadLog"/> (the log's generation
/// files), <see cref="SegmentSet"/> (the published segments, swapped whole), <see cref="SegmentSealer"/> (turns a full
/// mutable segment into a sealed one: files, mapped vectors, index) and <see cref="MergePolicy"/> (which sealed segments
/// the optimizer rewrites). A search runs through <see cref="Searching.SearchPlanner"/>, <see cref="Searching.SegmentSearcher"/>
/// and <see cref="Searching.TopKMerger{TItem}"/>.</para>
/// <para>Locks, outermost first: the optimize gate and the seal gate (one merge, one seal at a time), the append gate
/// (log order; held with no write in flight to commit a manifest), and the state lock (the <see cref="IdTracker"/>, the mutable
/// segment's contents and tombstones; held only for in-memory work, never for I/O or an index build). A search pins
/// the published set and takes the state lock only while it reads the mutable segment.</para>
/// </remarks>
public sealed partial class Collection : IDisposable
{
    /// <summary>The largest k (search limit) and page size accepted.</summary>
    public const int MaxLimit = 10_000;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);

    // Taken to append to the WAL (so ticket order is log order), and by sealing, merging and Dispose to stop new appends.
    private readonly object _appendGate = new();
    private readonly WriteSequencer _sequencer = new();
    private readonly IFileSystem _fs;
    private readonly string _directory;
    private readonly VectorDatabaseOptions _dbOptions;
    private readonly ILogger _logger;
    private readonly IVectorIndexFactory _indexFactory;
    private readonly IdTracker _ids = new();
    private readonly WriteAheadLog _wal;
    private readonly SegmentSealer _sealer;

    // Null once disposed. Replaced (never changed in place) under the state write lock.
    private SegmentSet? _set;

    // The oldest WAL generation holding records that no sealed segment has: the manifest's replay start. After a
    // recovery it is older than the generation being written, whose predecessors were replayed into the mutable segment.
    private long _replayFromGeneration;
    private int _nextSegmentId;
    private Timer? _walSyncTimer;
    private volatile bool _disposed;
    private StorageFailureException? _storageFailure;

    private Collection(string name, string directory, CollectionOptions options, VectorDatabaseOptions dbOptions)
    {
        Name = name;
        _directory = directory;
        Options = options;
        _dbOptions = dbOptions;
        _fs = dbOptions.FileSystem;
        _logger = dbOptions.LoggerFactory.CreateLogger("VectorEngine.Collection");
        _indexFactory = dbOptions.Indexes.Get(options.EffectiveIndex.Name);
        _wal = new WriteAheadLog(_fs, directory, name, _logger);
        _sealer = new SegmentSealer(_fs, name, options, _indexFactory, _logger);
        _locateLocked = LocateLocked;
        _locateUnlocked = _ids.TryGet;
    }

    /// <summary>The collection's name.</summary>
    public string Name { get; }

    /// <summary>The options it was created with.</summary>
    public CollectionOptions Options { get; }

    /// <summary>Floats per vector.</summary>
    public int Dimension => Options.Dimension;

    /// <summary>The metric.</summary>
    public DistanceMetric Metric => Options.Metric;

    internal string Directory => _directory;

    /// <summary>
    /// Set once a failed fsync or write stopped the collection: every write then throws it, reads go on, and reopening
    /// the database recovers the collection from its write-ahead log. Null while the collection is healthy.
    /// </summary>
    public StorageFailureException? StorageFailure => Volatile.Read(ref _storageFailure);

    /// <summary>Current size and shape.</summary>
    public CollectionInfo GetInfo()
    {
        EnterRead();
        try
        {
            SegmentSet set = _set!;
            long deleted = 0, indexBytes = 0, searchedVectorBytes = 0;
            foreach (Segment s in set.Segments)
            {
                deleted += s.DeletedCount;
                long codes = s.Index.CodeMemoryBytes;
                indexBytes += s.Index.MemoryBytes - codes;
                searchedVectorBytes += codes > 0 ? codes : s.Tier == SegmentTier.Cold ? 0 : (long)s.Count * s.Store.Stride * sizeof(float);
            }

            return new CollectionInfo(Name, Dimension, Metric, Options.EffectiveIndex.Name, _ids.Count, set.Segments.Length,
                set.Segments.Length - 1, deleted, indexBytes, _wal.Length, searchedVectorBytes);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Waits for writes in flight, a running seal and a running optimizer pass, flushes the WAL and releases files once
    /// the searches in flight have finished. Further calls throw. Never throws for a storage error: what was not durable
    /// is recovered, or not, from the WAL at the next open.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        EngineTelemetry.Closed(this);
        StopOptimizer();
        SegmentSet? retired;

        // A foreground Optimize() or a seal reads source segments without the state lock: wait for them.
        lock (_optimizeGate)
        lock (_sealGate)
        lock (_appendGate)
        {
            _sequencer.Drain();
            _lock.EnterWriteLock();
            try
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                _walSyncTimer?.Dispose();
                if (_storageFailure is null)
                {
                    try
                    {
                        _wal.Writer.Flush();
                    }
                    catch (IOException e)
                    {
                        Stop(e);
                    }
                }

                _wal.Dispose();
                retired = _set;
                _set = null;
            }
            finally
            {
                _lock.ExitWriteLock();
            }
        }

        if (retired is not null)
        {
            retired.Unpin();
            retired.WaitUntilReleased();
        }

        _warmPayloads?.Dispose();
    }

    /// <summary>
    /// Stops the collection after a storage error (first error wins): from now on writes throw, reads go on. Returns the
    /// exception for the caller to throw.
    /// </summary>
    private StorageFailureException Stop(Exception error)
    {
        var failure = new StorageFailureException(Name, error);
        if (Interlocked.CompareExchange(ref _storageFailure, failure, null) is { } earlier)
        {
            return earlier;
        }

        Log.StorageFailed(_logger, Name, error);
        return failure;
    }

    private void EnterRead()
    {
        _lock.EnterReadLock();
        if (_disposed)
        {
            _lock.ExitReadLock();
            ThrowHelper.ThrowClosed($"Collection '{Name}'");
        }
    }

    /// <summary>Pins the published segment set for a reader that takes no lock; the caller unpins it.</summary>
    private SegmentSet PinSet()
    {
        while (true)
        {
            SegmentSet? set = Volatile.Read(ref _set);
            if (set is null)
            {
                ThrowHelper.ThrowClosed($"Collection '{Name}'");
            }

            if (set.TryPin())
            {
                return set;
            }
        }
    }

    /// <summary>Publishes the next segment set (under the state write lock) and retires the one it replaces.</summary>
    private void Publish(SegmentSet next)
    {
        Debug.Assert(_lock.IsWriteLockHeld, "sets are published under the state write lock, with the id map they match");
        SegmentSet previous = _set!;
        Volatile.Write(ref _set, next);
        previous.Unpin();
    }

    /// <summary>The segment of a live point (under the state lock).</summary>
    private Segment SegmentOf(PointLocation location) => _set![location.SegmentId];
}
