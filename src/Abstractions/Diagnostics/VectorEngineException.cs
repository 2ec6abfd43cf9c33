namespace VectorEngine;

/// <summary>Base of the engine's non-argument errors: not found, conflicts, corruption, closed objects.</summary>
public class VectorEngineException : Exception, IVectorEngineError
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">The class of the error.</param>
    /// <param name="message">What went wrong, naming the object.</param>
    /// <param name="inner">The underlying exception, if any.</param>
    public VectorEngineException(VectorEngineErrorKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    /// <inheritdoc />
    public VectorEngineErrorKind Kind { get; }
}

/// <summary>A collection with the given name does not exist.</summary>
public sealed class CollectionNotFoundException : VectorEngineException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="name">The collection name.</param>
    public CollectionNotFoundException(string name)
        : base(VectorEngineErrorKind.NotFound, $"Collection '{name}' does not exist.")
    {
        CollectionName = name;
    }

    /// <summary>The collection name that was not found.</summary>
    public string CollectionName { get; }
}

/// <summary>A collection with the given name already exists.</summary>
public sealed class CollectionAlreadyExistsException : VectorEngineException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="name">The collection name.</param>
    public CollectionAlreadyExistsException(string name)
        : base(VectorEngineErrorKind.AlreadyExists, $"Collection '{name}' already exists.")
    {
        CollectionName = name;
    }

    /// <summary>The conflicting collection name.</summary>
    public string CollectionName { get; }
}

/// <summary>A directory or file is not a VectorEngine database, or its data cannot be read.</summary>
public sealed class DataCorruptionException : VectorEngineException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and where.</param>
    /// <param name="inner">The underlying exception, if any.</param>
    public DataCorruptionException(string message, Exception? inner = null)
        : base(VectorEngineErrorKind.DataCorruption, message, inner)
    {
    }
}

/// <summary>The directory given to <c>VectorDatabase.Open(string, VectorDatabaseOptions?)</c> is not a database.</summary>
public sealed class NotADatabaseException : VectorEngineException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The directory.</param>
    /// <param name="reason">Why it is not a database.</param>
    public NotADatabaseException(string path, string reason)
        : base(VectorEngineErrorKind.FailedPrecondition, $"'{path}' is not a VectorEngine database: {reason}")
    {
        Path = path;
    }

    /// <summary>The directory that was refused.</summary>
    public string Path { get; }
}

/// <summary>
/// A collection's storage failed (an fsync or a write of its write-ahead log or files returned an error). As PostgreSQL
/// does after a failed fsync, the collection then refuses every write: the failed write is neither acknowledged nor
/// visible, and bytes the kernel may have dropped are never trusted. Reads go on; reopening the database (or restarting
/// the server) recovers the collection from what is durable.
/// </summary>
public sealed class StorageFailureException : VectorEngineException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="collection">The collection that stopped.</param>
    /// <param name="inner">The I/O error that stopped it.</param>
    public StorageFailureException(string collection, Exception inner)
        : base(VectorEngineErrorKind.StorageFailure,
            $"Collection '{collection}' stopped accepting writes after a storage error ({inner?.Message}); reads go on. " +
            "Reopen the database (restart the server) to recover it from its write-ahead log.", inner)
    {
        CollectionName = collection;
    }

    /// <summary>The collection that stopped.</summary>
    public string CollectionName { get; }
}

/// <summary>
/// A collection's write-ahead log is damaged before its end (a record fails its checksum and valid records follow, or
/// the file has an unknown version): truncating it would silently drop acknowledged writes, so the collection is not
/// opened and its files are left untouched. <c>VectorDatabase.RecoverDamagedCollection</c> opens it after keeping
/// a copy of the damaged file, accepting the loss of the records from the damage on.
/// </summary>
public sealed class WalDamagedException : VectorEngineException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="collection">The collection.</param>
    /// <param name="file">The WAL file (name only).</param>
    /// <param name="offset">Where the damage starts.</param>
    /// <param name="reason">What is wrong there.</param>
    public WalDamagedException(string collection, string file, long offset, string reason)
        : base(VectorEngineErrorKind.DataCorruption,
            $"Collection '{collection}': write-ahead log '{file}' is damaged at byte {offset} ({reason}). The collection was not opened " +
            $"and its files are untouched. To open it, accepting the loss of the records from byte {offset} on, call " +
            $"VectorDatabase.RecoverDamagedCollection(\"{collection}\") (a copy of the damaged file is kept beside it); or restore a snapshot.")
    {
        CollectionName = collection;
        File = file;
        Offset = offset;
    }

    /// <summary>The collection.</summary>
    public string CollectionName { get; }

    /// <summary>The damaged WAL file's name.</summary>
    public string File { get; }

    /// <summary>Where the damage starts.</summary>
    public long Offset { get; }
}
