using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using VectorEngine.Collections;
using VectorEngine.Diagnostics;
using VectorEngine.Storage;

namespace VectorEngine;

/// <summary>
/// An embedded vector database in one directory: a set of named collections, each durable on disk. One process
/// opens a directory at a time (an exclusive lock file enforces it). Thread-safe: the database-wide lock guards only
/// the name table; creating, dropping and restoring a collection reserve its name and do their work outside it, so
/// one collection's restore never stalls another's reads and writes.
/// </summary>
/// <example><code>
/// using var db = VectorDatabase.Open("./data");
/// var docs = db.CreateCollection("docs", new CollectionOptions(384, DistanceMetric.Cosine));
/// docs.Upsert(new Point(1UL, embedding, new Payload { ["lang"] = "en" }));
/// var hits = docs.Search(query, limit: 10);
/// </code></example>
public sealed partial class VectorDatabase : IDisposable, IAsyncDisposable
{
    private const string MarkerFile = "vectorengine.db";
    private const string LockFile = "LOCK";
    private const string CollectionsFolder = "collections";
    private const string StagingFolder = ".staging";
    private const uint FormatVersion = 1;

    private readonly Dictionary<string, Collection> _collections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VectorEngineException> _unavailable = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reserved = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly IDisposable _lock;
    private readonly IFileSystem _fs;
    private bool _disposed;

    private VectorDatabase(string path, VectorDatabaseOptions options, IDisposable lockFile)
    {
        Path = path;
        Options = options;
        _fs = options.FileSystem;
        _lock = lockFile;
    }

    private static ReadOnlySpan<byte> Magic => "VEDBASE1"u8;

    /// <summary>The database directory (full path).</summary>
    public string Path { get; }

    /// <summary>The options it was opened with.</summary>
    public VectorDatabaseOptions Options { get; }

    /// <summary>
    /// Collections whose files could not be opened (a damaged WAL, an unreadable manifest or segment), by name, with the
    /// error that names the problem and how to recover. The rest of the database opened without them; their files are
    /// untouched. <see cref="GetCollection"/> throws the same error for them.
    /// </summary>
    public IReadOnlyDictionary<string, VectorEngineException> UnavailableCollections
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, VectorEngineException>(_unavailable, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>
    /// Opens the database in <paramref name="path"/>, creating it when the directory is missing or empty, and recovers
    /// every collection (loads sealed segments, replays the WAL, truncates a torn WAL tail). A collection that cannot be
    /// opened is skipped and listed in <see cref="UnavailableCollections"/>.
    /// </summary>
    /// <param name="path">The directory.</param>
    /// <param name="options">Options; null for defaults.</param>
    /// <exception cref="NotADatabaseException">The path is a file, or a non-empty directory that is not a database, or is in use.</exception>
    public static VectorDatabase Open(string path, VectorDatabaseOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new VectorDatabaseOptions();
        options.Validate();
        IFileSystem fs = options.FileSystem;
        string full = System.IO.Path.GetFullPath(path);
        if (fs.FileExists(full))
        {
            throw new NotADatabaseException(full, "it is a file.");
        }

        string marker = System.IO.Path.Combine(full, MarkerFile);
        bool existed = fs.DirectoryExists(full);
        if (existed && !fs.FileExists(marker) && !OnlyCreationLeftovers(fs, full))
        {
            throw new NotADatabaseException(full, $"the directory is not empty and has no '{MarkerFile}' file.");
        }

        fs.CreateDirectory(full);
        IDisposable lockFile;
        try
        {
            lockFile = fs.AcquireLock(System.IO.Path.Combine(full, LockFile));
        }
        catch (IOException e)
        {
            throw new NotADatabaseException(full, $"it is in use by another process ({e.Message}).");
        }

        try
        {
            if (fs.FileExists(marker))
            {
                byte[] header = DurableFile.ReadAllBytes(fs, marker);
                if (header.Length < 12 || !header.AsSpan(0, 8).SequenceEqual(Magic) || BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8)) != FormatVersion)
                {
                    throw new NotADatabaseException(full, $"'{MarkerFile}' has an unknown format or version.");
                }
            }
            else
            {
                // The folder's own entry must be durable before the marker that says it is a database.
                if (!existed && System.IO.Path.GetDirectoryName(full) is { } parent)
                {
                    fs.SyncDirectory(parent);
                }

                fs.CreateDirectory(System.IO.Path.Combine(full, CollectionsFolder));
                byte[] header = new byte[12];
                Magic.CopyTo(header);
                BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), FormatVersion);
                DurableFile.WriteAllBytes(fs, marker, header);
            }

            fs.CreateDirectory(System.IO.Path.Combine(full, CollectionsFolder));

            // Creates, drops and restores of an earlier run may be renamed in the page cache only (a failed fsync):
            // make the folder entries this open relies on durable first, as each collection does for its own files.
            fs.SyncDirectory(System.IO.Path.Combine(full, CollectionsFolder));
            fs.SyncDirectory(full);
            var db = new VectorDatabase(full, options, lockFile);
            db.OpenCollections();
            db.StartTierMover();
            return db;
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>
    /// True when a folder without a marker holds only what an interrupted creation leaves (the lock file, an empty
    /// collections folder, the marker's temporary file): the creation goes on instead of refusing the folder.
    /// </summary>
    private static bool OnlyCreationLeftovers(IFileSystem fs, string full)
    {
        string collections = System.IO.Path.Combine(full, CollectionsFolder);
        return fs.ListFiles(full).All(f => System.IO.Path.GetFileName(f) is LockFile or MarkerFile + ".tmp") &&
            fs.ListDirectories(full).All(d => d == collections && fs.ListDirectories(d).Count == 0 && fs.ListFiles(d).Count == 0);
    }

    /// <summary>Creates a collection.</summary>
    /// <param name="name">1 to 64 letters, digits, '_' or '-'.</param>
    /// <param name="options">Dimension, metric, index and payload indexes.</param>
    /// <exception cref="VectorEngineArgumentException">The name or options are invalid.</exception>
    /// <exception cref="CollectionAlreadyExistsException">The name is taken.</exception>
    public Collection CreateCollection(string name, CollectionOptions options)
    {
        CollectionOptions.ValidateName(name);
        ArgumentNullException.ThrowIfNull(options);
        options = options.WithDefaultIndex(Options.DefaultIndex);
        options.Validate(Options.Indexes);
        Reserve(name);
        try
        {
            // Build in a staging folder and rename into place, so a crash never leaves half a collection.
            string staging = NewStagingPath();
            Collection.Create(name, staging, options, _fs);
            string directory = CollectionPath(name);
            MoveIntoPlace(staging, directory);
            Collection collection = Collection.Open(directory, Options);
            Publish(name, collection);
            return collection;
        }
        finally
        {
            Release(name);
        }
    }

    /// <summary>Gets an open collection.</summary>
    /// <param name="name">The collection name.</param>
    /// <exception cref="CollectionNotFoundException">No such collection.</exception>
    /// <exception cref="VectorEngineException">The collection exists but could not be opened (see <see cref="UnavailableCollections"/>).</exception>
    public Collection GetCollection(string name)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            if (_collections.TryGetValue(name ?? "", out Collection? c))
            {
                return c;
            }

            throw _unavailable.TryGetValue(name ?? "", out VectorEngineException? why) ? why : new CollectionNotFoundException(name ?? "");
        }
    }

    /// <summary>Gets a collection if it exists and is open.</summary>
    /// <param name="name">The collection name.</param>
    /// <param name="collection">The collection, or null.</param>
    public bool TryGetCollection(string name, out Collection? collection)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return _collections.TryGetValue(name ?? "", out collection);
        }
    }

    /// <summary>The names of the open collections, sorted.</summary>
    public IReadOnlyList<string> ListCollections()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return _collections.Keys.Order(StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>
    /// Drops a collection (an open one, or one listed in <see cref="UnavailableCollections"/>) and deletes its files. One
    /// durable step: a rename out of the collections folder, fsynced; after a crash the collection is either whole or
    /// gone. On failure the collection stays as it was.
    /// </summary>
    /// <param name="name">The collection name.</param>
    /// <exception cref="CollectionNotFoundException">No such collection.</exception>
    public void DropCollection(string name)
    {
        Collection? collection;
        lock (_gate)
        {
            ThrowIfDisposed();
            if (name is null || _reserved.Contains(name) ||
                (!_collections.TryGetValue(name, out collection) && !_unavailable.ContainsKey(name)))
            {
                throw new CollectionNotFoundException(name ?? "");
            }

            _reserved.Add(name);
            _collections.Remove(name);
        }

        try
        {
            collection?.Dispose();
            string trash = System.IO.Path.Combine(StagingRoot(), Guid.NewGuid().ToString("N"));
            try
            {
                _fs.MoveDirectory(CollectionPath(name), trash);
                _fs.SyncDirectory(System.IO.Path.Combine(Path, CollectionsFolder));
            }
            catch
            {
                // Still in place (or, if only the fsync failed, maybe not: the next open settles it). Serve it again.
                if (collection is not null && _fs.DirectoryExists(CollectionPath(name)))
                {
                    Publish(name, Collection.Open(CollectionPath(name), Options));
                }

                throw;
            }

            lock (_gate)
            {
                _unavailable.Remove(name);
            }

            DeleteObjectsOf(name);

            try
            {
                _fs.DeleteDirectory(trash);
            }
            catch (IOException)
            {
                // Whatever is left in staging is removed at the next open.
            }
        }
        finally
        {
            Release(name);
        }
    }

    /// <summary>
    /// Opens a collection whose write-ahead log is damaged before its end (see <see cref="WalDamagedException"/>),
    /// accepting the loss of the records from the damage on: a copy of the damaged file is kept beside it, the file is
    /// cut at the damage, and the collection opens with every record before it.
    /// </summary>
    /// <param name="name">The collection name, as listed in <see cref="UnavailableCollections"/>.</param>
    /// <exception cref="CollectionNotFoundException">No such unavailable collection.</exception>
    public Collection RecoverDamagedCollection(string name)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            if (name is null || !_unavailable.ContainsKey(name) || _reserved.Contains(name))
            {
                throw new CollectionNotFoundException(name ?? "");
            }

            _reserved.Add(name);
        }

        try
        {
            Collection collection = Collection.Open(CollectionPath(name), Options, acceptWalDamage: true);
            lock (_gate)
            {
                _unavailable.Remove(name);
            }

            Publish(name, collection);
            return collection;
        }
        finally
        {
            Release(name);
        }
    }

    /// <summary>
    /// Closes the database as <see cref="Dispose"/> does, off the caller's thread: closing waits for writes in flight, a
    /// running seal and the final WAL flush, which an async caller must not block a thread on.
    /// </summary>
    public ValueTask DisposeAsync() => new(Task.Run(Dispose));

    /// <summary>Closes every collection (flushing WALs) and releases the directory lock.</summary>
    public void Dispose()
    {
        List<Collection> open;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            open = [.. _collections.Values];
            _collections.Clear();
        }

        StopTierMover();

        foreach (Collection collection in open)
        {
            collection.Dispose();
        }

        _lock.Dispose();
    }

    private void OpenCollections()
    {
        string staging = System.IO.Path.Combine(Path, StagingFolder);
        _fs.DeleteDirectory(staging);
        foreach (string directory in _fs.ListDirectories(System.IO.Path.Combine(Path, CollectionsFolder)))
        {
            string folderName = System.IO.Path.GetFileName(directory);
            try
            {
                Collection collection = Collection.Open(directory, Options);
                _collections.Add(collection.Name, collection);
            }
            catch (Exception e) when (e is VectorEngineException or IOException or UnauthorizedAccessException or InvalidDataException)
            {
                // One unreadable collection must not keep the others from serving: report it and go on.
                VectorEngineException why = e as VectorEngineException ??
                    new DataCorruptionException($"Collection '{folderName}' could not be opened: {e.Message}", e);
                _unavailable[folderName] = why;
                Log.CollectionSkipped(Options.LoggerFactory.CreateLogger("VectorEngine.Database"), folderName, why.Message);
            }
        }
    }

    /// <summary>Claims a name for a create or restore; throws when it is taken, unavailable or being worked on.</summary>
    private void Reserve(string name)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            if (_collections.ContainsKey(name) || _unavailable.ContainsKey(name) || !_reserved.Add(name))
            {
                throw new CollectionAlreadyExistsException(name);
            }
        }
    }

    private void Release(string name)
    {
        lock (_gate)
        {
            _reserved.Remove(name);
        }
    }

    private void Publish(string name, Collection collection)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                collection.Dispose();
                ThrowHelper.ThrowClosed("Database");
            }

            _collections.Add(name, collection);
        }
    }

    /// <summary>Renames a finished staging folder into the collections folder and makes the rename durable.</summary>
    private void MoveIntoPlace(string staging, string directory)
    {
        try
        {
            _fs.SyncDirectory(staging);
            _fs.MoveDirectory(staging, directory);
        }
        catch
        {
            TryDeleteDirectory(staging);
            throw;
        }

        _fs.SyncDirectory(System.IO.Path.Combine(Path, CollectionsFolder));
    }

    private void TryDeleteDirectory(string directory)
    {
        try
        {
            _fs.DeleteDirectory(directory);
        }
        catch (IOException)
        {
            // Staging is removed at the next open.
        }
    }

    private VectorDatabaseOptions WithoutOptimizer()
    {
        var copy = new VectorDatabaseOptions
        {
            WalSyncMode = Options.WalSyncMode,
            WalSyncInterval = Options.WalSyncInterval,
            MaxMutableSegmentPoints = Options.MaxMutableSegmentPoints,
            MaxMutableSegmentBytes = Options.MaxMutableSegmentBytes,
            MaxSegmentPoints = Options.MaxSegmentPoints,
            MaxSegmentBytes = Options.MaxSegmentBytes,
            EnableBackgroundOptimizer = false,
            FileSystem = Options.FileSystem,
            LoggerFactory = Options.LoggerFactory,
            DefaultIndex = Options.DefaultIndex,
            ObjectStore = Options.ObjectStore,
            TimeProvider = Options.TimeProvider,
            EnableTierMover = false,
            WarmPayloadMemoryBytes = Options.WarmPayloadMemoryBytes,
        };
        foreach (string indexName in Options.Indexes.Names)
        {
            copy.Indexes.Register(Options.Indexes.Get(indexName));
        }

        return copy;
    }

    private string CollectionPath(string name) => System.IO.Path.Combine(Path, CollectionsFolder, name);

    /// <summary>The <c>.staging</c> folder, created durably when missing (an open removes it with everything in it).</summary>
    private string StagingRoot()
    {
        string root = System.IO.Path.Combine(Path, StagingFolder);
        if (!_fs.DirectoryExists(root))
        {
            _fs.CreateDirectory(root);
            _fs.SyncDirectory(Path);
        }

        return root;
    }

    /// <summary>A new, empty folder under <c>.staging</c>, its entry durable.</summary>
    private string NewStagingPath()
    {
        string root = StagingRoot();
        string staging = System.IO.Path.Combine(root, Guid.NewGuid().ToString("N"));
        _fs.CreateDirectory(staging);
        _fs.SyncDirectory(root);
        return staging;
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            ThrowHelper.ThrowClosed("Database");
        }
    }
}
