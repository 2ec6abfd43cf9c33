namespace VectorEngine.Storage;

/// <summary>
/// Every file the engine reads or writes goes through this interface (SQLite's VFS is the model), so that tests can
/// inject failed fsyncs, full disks, torn writes and power loss. <see cref="LocalFileSystem"/> is the real one.
/// </summary>
/// <remarks>
/// Paths are absolute. A create, rename or delete is durable only once <see cref="SyncDirectory"/> has run on the
/// folder that holds the entry; a file's bytes only once <see cref="IStorageFile.Sync"/> has run on it. Errors are
/// <see cref="IOException"/>s; the engine never ignores one.
/// </remarks>
public interface IFileSystem
{
    /// <summary>Opens or creates a file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="mode">How to open it.</param>
    IStorageFile OpenFile(string path, StorageFileMode mode);

    /// <summary>True when <paramref name="path"/> is an existing file.</summary>
    /// <param name="path">The path.</param>
    bool FileExists(string path);

    /// <summary>True when <paramref name="path"/> is an existing folder.</summary>
    /// <param name="path">The path.</param>
    bool DirectoryExists(string path);

    /// <summary>Creates a folder and any missing parents (no error when it exists).</summary>
    /// <param name="path">The folder.</param>
    void CreateDirectory(string path);

    /// <summary>Deletes a file (no error when it is absent).</summary>
    /// <param name="path">The file.</param>
    void DeleteFile(string path);

    /// <summary>Deletes a folder with everything in it (no error when it is absent).</summary>
    /// <param name="path">The folder.</param>
    void DeleteDirectory(string path);

    /// <summary>Renames a file, atomically replacing <paramref name="destination"/> when <paramref name="overwrite"/> is set.</summary>
    /// <param name="source">The file.</param>
    /// <param name="destination">Its new path.</param>
    /// <param name="overwrite">Replace an existing destination.</param>
    void MoveFile(string source, string destination, bool overwrite);

    /// <summary>Renames a folder; the destination must not exist.</summary>
    /// <param name="source">The folder.</param>
    /// <param name="destination">Its new path.</param>
    void MoveDirectory(string source, string destination);

    /// <summary>fsyncs a folder, so that the creates, renames and deletes of its entries survive power loss.</summary>
    /// <param name="path">The folder.</param>
    void SyncDirectory(string path);

    /// <summary>The files directly in a folder (full paths), in ordinal order.</summary>
    /// <param name="path">The folder.</param>
    IReadOnlyList<string> ListFiles(string path);

    /// <summary>The folders directly in a folder (full paths), in ordinal order.</summary>
    /// <param name="path">The folder.</param>
    IReadOnlyList<string> ListDirectories(string path);

    /// <summary>Maps a whole file read-only into memory.</summary>
    /// <param name="path">The file.</param>
    IMappedFile MapReadOnly(string path);

    /// <summary>Takes an exclusive lock on a file (created when missing) that other processes cannot take until it is disposed.</summary>
    /// <param name="path">The lock file.</param>
    IDisposable AcquireLock(string path);
}

/// <summary>How <see cref="IFileSystem.OpenFile"/> opens a file.</summary>
public enum StorageFileMode
{
    /// <summary>Create a new file for reading and writing; fail when it exists.</summary>
    CreateNew,

    /// <summary>Create the file for reading and writing, or truncate it when it exists.</summary>
    Create,

    /// <summary>Open an existing file for reading and writing.</summary>
    OpenExisting,

    /// <summary>Open an existing file for reading only.</summary>
    OpenRead,
}
