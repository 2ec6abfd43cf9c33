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
/// number of concurrent readers and writers: reads share a lock, writes take it exclusively only to log and apply.
/// Obtain one from <see cref="VectorDatabase"/>.
/// </summary>
public sealed partial class Collection : IDisposable
{
    /// <summary>The largest k (search limit) and page size accepted.</summary>
    public const int MaxLimit = 10_000;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);

    // Taken to append to the WAL (so ticket order is log order), and by sealing and Dispose to stop new appends.
    private readonly object _appendGate = new();
    private readonly WriteSequencer _sequencer = new();
    private readonly IFileSystem _fs;
    private readonly string _directory;
    private readonly VectorDatabaseOptions _dbOptions;
    private readonly ILogger _logger;
    private readonly IVectorIndexFactory _indexFactory;
    private readonly Dictionary<PointId, PointLocation> _idMap = new();
    private readonly SortedDictionary<int, Segment> _segments = new();
    private Segment _mutable = null!;
    private WalWriter _wal = null!;
    private long _walGeneration;

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
            long deleted = 0, indexBytes = 0, searchedVectorBytes = 0;
            foreach (Segment s in _segments.Values)
            {
                deleted += s.DeletedCount;
                long codes = s.Index.CodeMemoryBytes;
                indexBytes += s.Index.MemoryBytes - codes;
                searchedVectorBytes += codes > 0 ? codes : (long)s.Count * s.Store.Stride * sizeof(float);
            }

            return new CollectionInfo(Name, Dimension, Metric, Options.EffectiveIndex.Name, _idMap.Count, _segments.Count,
                _segments.Count - 1, deleted, indexBytes, _wal.Length, searchedVectorBytes);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Waits for writes in flight and a running optimizer pass, flushes the WAL and releases files. Further calls throw.
    /// Never throws for a storage error: what was not durable is recovered, or not, from the WAL at the next open.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        StopOptimizer();

        // A foreground Optimize() reads source segments without the collection lock: wait for it before unmapping them.
        lock (_optimizeGate)
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
                        _wal.Flush();
                    }
                    catch (IOException e)
                    {
                        Stop(e);
                    }
                }

                _wal.Dispose();
                foreach (Segment segment in _segments.Values)
                {
                    segment.Dispose();
                }

                _segments.Clear();
            }
            finally
            {
                _lock.ExitWriteLock();
            }
        }
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

    private void EnterWrite()
    {
        _lock.EnterWriteLock();
        if (_disposed)
        {
            _lock.ExitWriteLock();
            ThrowHelper.ThrowClosed($"Collection '{Name}'");
        }
    }

    private Segment SegmentOf(PointLocation location) => _segments[location.SegmentId];
}
