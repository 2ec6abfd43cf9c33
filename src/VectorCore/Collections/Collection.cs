using Microsoft.Extensions.Logging;
using VectorEngine.Collections;
using VectorEngine.Diagnostics;
using VectorEngine.Indexing;
using VectorEngine.Segments;
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
    private readonly string _directory;
    private readonly VectorDatabaseOptions _dbOptions;
    private readonly ILogger _logger;
    private readonly IVectorIndexFactory _indexFactory;
    private readonly Dictionary<PointId, PointLocation> _idMap = new();
    private readonly SortedDictionary<int, Segment> _segments = new();
    private Segment _mutable = null!;
    private WalWriter _wal = null!;
    private long _walGeneration;
    private int _nextSegmentId;
    private Timer? _walSyncTimer;
    private volatile bool _disposed;

    private Collection(string name, string directory, CollectionOptions options, VectorDatabaseOptions dbOptions)
    {
        Name = name;
        _directory = directory;
        Options = options;
        _dbOptions = dbOptions;
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

    /// <summary>Flushes the WAL and releases files. Further calls throw.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        StopOptimizer();
        _lock.EnterWriteLock();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _walSyncTimer?.Dispose();
            _wal.Flush();
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
