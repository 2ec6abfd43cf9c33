namespace VectorEngine;

/// <summary>When the write-ahead log is forced to stable storage.</summary>
public enum WalSyncMode
{
    /// <summary>fsync before an upsert or delete returns (group commit: concurrent writers share one fsync). The default.</summary>
    PerWrite = 0,

    /// <summary>fsync in the background every <see cref="VectorDatabaseOptions.WalSyncInterval"/>; a crash may lose that much.</summary>
    Interval = 1,

    /// <summary>Never fsync explicitly; the OS writes back when it likes. Survives a process crash, not a power loss.</summary>
    None = 2,
}
