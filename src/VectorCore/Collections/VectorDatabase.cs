using System.Buffers.Binary;
using System.Formats.Tar;
using VectorEngine.Collections;
using VectorEngine.Diagnostics;
using VectorEngine.Storage;

namespace VectorEngine;

/// <summary>
/// An embedded vector database in one directory: a set of named collections, each durable on disk. One process
/// opens a directory at a time (an exclusive lock file enforces it). Thread-safe.
/// </summary>
/// <example><code>
/// using var db = VectorDatabase.Open("./data");
/// var docs = db.CreateCollection("docs", new CollectionOptions(384, DistanceMetric.Cosine));
/// docs.Upsert(new Point(1UL, embedding, new Payload { ["lang"] = "en" }));
/// var hits = docs.Search(query, limit: 10);
/// </code></example>
public sealed partial class VectorDatabase : IDisposable
{
    private const string MarkerFile = "vectorengine.db";
    private const string LockFile = "LOCK";
    private const string CollectionsFolder = "collections";
    private const string StagingFolder = ".staging";
    private const uint FormatVersion = 1;

    private readonly Dictionary<string, Collection> _collections = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly FileStream _lock;
    private bool _disposed;

    private VectorDatabase(string path, VectorDatabaseOptions options, FileStream lockFile)
    {
        Path = path;
        Options = options;
        _lock = lockFile;
    }

    private static ReadOnlySpan<byte> Magic => "VEDBASE1"u8;

    /// <summary>The database directory (full path).</summary>
    public string Path { get; }

    /// <summary>The options it was opened with.</summary>
    public VectorDatabaseOptions Options { get; }

    /// <summary>
    /// Opens the database in <paramref name="path"/>, creating it when the directory is missing or empty, and recovers
    /// every collection (loads sealed segments, replays the WAL, truncates a torn WAL tail).
    /// </summary>
    /// <param name="path">The directory.</param>
    /// <param name="options">Options; null for defaults.</param>
    /// <exception cref="NotADatabaseException">The path is a file, or a non-empty directory that is not a database, or is in use.</exception>
    /// <exception cref="DataCorruptionException">Stored data is unreadable.</exception>
    public static VectorDatabase Open(string path, VectorDatabaseOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new VectorDatabaseOptions();
        options.Validate();
        string full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full))
        {
            throw new NotADatabaseException(full, "it is a file.");
        }

        string marker = System.IO.Path.Combine(full, MarkerFile);
        if (Directory.Exists(full) && !File.Exists(marker) && Directory.EnumerateFileSystemEntries(full).Any())
        {
            throw new NotADatabaseException(full, $"the directory is not empty and has no '{MarkerFile}' file.");
        }

        Directory.CreateDirectory(System.IO.Path.Combine(full, CollectionsFolder));
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(System.IO.Path.Combine(full, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new NotADatabaseException(full, $"it is in use by another process ({e.Message}).");
        }

        try
        {
            if (File.Exists(marker))
            {
                byte[] header = File.ReadAllBytes(marker);
                if (header.Length < 12 || !header.AsSpan(0, 8).SequenceEqual(Magic) || BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8)) != FormatVersion)
                {
                    throw new NotADatabaseException(full, $"'{MarkerFile}' has an unknown format or version.");
                }
            }
            else
            {
                byte[] header = new byte[12];
                Magic.CopyTo(header);
                BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), FormatVersion);
                DurableFile.WriteAllBytes(marker, header);
            }

            var db = new VectorDatabase(full, options, lockFile);
            db.OpenCollections();
            return db;
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
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
        lock (_gate)
        {
            ThrowIfDisposed();
            if (_collections.ContainsKey(name))
            {
                throw new CollectionAlreadyExistsException(name);
            }

            // Build in a staging folder and rename into place, so a crash never leaves half a collection.
            string staging = StagingPath();
            Collection.Create(name, staging, options, WithoutOptimizer()).Dispose();
            string directory = CollectionPath(name);
            Directory.Move(staging, directory);
            DurableFile.SyncDirectory(System.IO.Path.Combine(Path, CollectionsFolder));
            Collection collection = Collection.Open(directory, Options);
            _collections.Add(name, collection);
            return collection;
        }
    }

    /// <summary>Gets an open collection.</summary>
    /// <param name="name">The collection name.</param>
    /// <exception cref="CollectionNotFoundException">No such collection.</exception>
    public Collection GetCollection(string name)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return _collections.TryGetValue(name ?? "", out Collection? c) ? c : throw new CollectionNotFoundException(name ?? "");
        }
    }

    /// <summary>Gets a collection if it exists.</summary>
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

    /// <summary>The collection names, sorted.</summary>
    public IReadOnlyList<string> ListCollections()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return _collections.Keys.Order(StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Drops a collection and deletes its files.</summary>
    /// <param name="name">The collection name.</param>
    /// <exception cref="CollectionNotFoundException">No such collection.</exception>
    public void DropCollection(string name)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            if (name is null || !_collections.Remove(name, out Collection? collection))
            {
                throw new CollectionNotFoundException(name ?? "");
            }

            collection.Dispose();
            string trash = StagingPath();
            Directory.Move(CollectionPath(name), trash);
            DurableFile.SyncDirectory(System.IO.Path.Combine(Path, CollectionsFolder));
            Directory.Delete(trash, recursive: true);
        }
    }

    /// <summary>
    /// Restores a snapshot archive (from <see cref="Collection.CreateSnapshot"/>) as a new collection, in this or any
    /// other database.
    /// </summary>
    /// <param name="archivePath">The archive.</param>
    /// <param name="name">The new collection's name; null keeps the snapshot's.</param>
    /// <exception cref="CollectionAlreadyExistsException">The name is taken.</exception>
    /// <exception cref="DataCorruptionException">The file is not a readable snapshot.</exception>
    public Collection RestoreSnapshot(string archivePath, string? name = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(archivePath);
        if (!File.Exists(archivePath))
        {
            throw new VectorEngineArgumentException($"Snapshot file '{archivePath}' does not exist.", nameof(archivePath));
        }

        if (name is not null)
        {
            CollectionOptions.ValidateName(name);
        }

        lock (_gate)
        {
            ThrowIfDisposed();
            string staging = StagingPath();
            try
            {
                Directory.CreateDirectory(staging);
                try
                {
                    TarFile.ExtractToDirectory(archivePath, staging, overwriteFiles: false);
                }
                catch (Exception e) when (e is InvalidDataException or IOException or FormatException)
                {
                    throw new DataCorruptionException($"'{archivePath}' is not a readable snapshot archive.", e);
                }

                Collection.ValidateSnapshot(staging, archivePath);
                CollectionConfigFile config = CollectionConfigFile.Load(staging);
                config.Name = name ?? config.Name;
                CollectionOptions.ValidateName(config.Name);
                config.ToOptions().Validate(Options.Indexes);
                if (_collections.ContainsKey(config.Name))
                {
                    throw new CollectionAlreadyExistsException(config.Name);
                }

                config.Save(staging);
                File.Delete(System.IO.Path.Combine(staging, Collection.SnapshotMarkerFile));

                // Open once from staging so a bad archive fails here, before it takes the name.
                Collection.Open(staging, WithoutOptimizer()).Dispose();
                string directory = CollectionPath(config.Name);
                Directory.Move(staging, directory);
                DurableFile.SyncDirectory(System.IO.Path.Combine(Path, CollectionsFolder));
                Collection collection = Collection.Open(directory, Options);
                _collections.Add(config.Name, collection);
                return collection;
            }
            finally
            {
                if (Directory.Exists(staging))
                {
                    Directory.Delete(staging, recursive: true);
                }
            }
        }
    }

    /// <summary>Closes every collection (flushing WALs) and releases the directory lock.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (Collection collection in _collections.Values)
            {
                collection.Dispose();
            }

            _collections.Clear();
            _lock.Dispose();
        }
    }

    private void OpenCollections()
    {
        string staging = System.IO.Path.Combine(Path, StagingFolder);
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        foreach (string directory in Directory.GetDirectories(System.IO.Path.Combine(Path, CollectionsFolder)).Order(StringComparer.Ordinal))
        {
            try
            {
                Collection collection = Collection.Open(directory, Options);
                _collections.Add(collection.Name, collection);
            }
            catch
            {
                foreach (Collection opened in _collections.Values)
                {
                    opened.Dispose();
                }

                throw;
            }
        }
    }

    private VectorDatabaseOptions WithoutOptimizer()
    {
        var copy = new VectorDatabaseOptions
        {
            WalSyncMode = Options.WalSyncMode,
            EnableBackgroundOptimizer = false,
            LoggerFactory = Options.LoggerFactory,
            DefaultIndex = Options.DefaultIndex,
        };
        foreach (string indexName in Options.Indexes.Names)
        {
            copy.Indexes.Register(Options.Indexes.Get(indexName));
        }

        return copy;
    }

    private string CollectionPath(string name) => System.IO.Path.Combine(Path, CollectionsFolder, name);

    private string StagingPath() => System.IO.Path.Combine(Path, StagingFolder, Guid.NewGuid().ToString("N"));

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            ThrowHelper.ThrowClosed("Database");
        }
    }
}
