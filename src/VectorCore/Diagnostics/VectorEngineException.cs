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

/// <summary>The directory given to <see cref="VectorDatabase.Open(string, VectorDatabaseOptions?)"/> is not a database.</summary>
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
