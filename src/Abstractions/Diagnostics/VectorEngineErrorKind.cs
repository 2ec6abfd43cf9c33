namespace VectorEngine;

/// <summary>The class of an engine error; the server maps each kind to one gRPC status in a single table.</summary>
public enum VectorEngineErrorKind
{
    /// <summary>The request is malformed (InvalidArgument).</summary>
    InvalidArgument,

    /// <summary>A named collection or object does not exist (NotFound).</summary>
    NotFound,

    /// <summary>The object already exists (AlreadyExists).</summary>
    AlreadyExists,

    /// <summary>The request is valid but the system is not in a state to serve it (FailedPrecondition).</summary>
    FailedPrecondition,

    /// <summary>Stored data is unreadable or inconsistent (DataLoss).</summary>
    DataCorruption,

    /// <summary>The database or collection has been closed (Unavailable).</summary>
    Closed,

    /// <summary>
    /// A collection stopped taking writes after its storage failed (a failed fsync or write); reads go on, and reopening
    /// the database recovers it from the write-ahead log (Unavailable).
    /// </summary>
    StorageFailure,

    /// <summary>
    /// In a cluster: the node that holds the data did not answer (down, unreachable, or past the call's deadline), or
    /// holds no such shard under the current shard map. Safe to retry (Unavailable).
    /// </summary>
    Unavailable,
}
