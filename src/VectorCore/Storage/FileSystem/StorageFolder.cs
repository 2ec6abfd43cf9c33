namespace VectorEngine.Storage;

/// <summary>
/// A segment's folder on the database's <see cref="IFileSystem"/>: where an index saves and loads its files. Index
/// packages read and write only through it, so fault-injection tests cover their files too.
/// </summary>
/// <param name="fileSystem">The file system.</param>
/// <param name="path">The folder (absolute).</param>
public sealed class StorageFolder(IFileSystem fileSystem, string path)
{
    /// <summary>The file system.</summary>
    public IFileSystem FileSystem { get; } = fileSystem ?? throw new ArgumentNullException(nameof(fileSystem));

    /// <summary>The folder (absolute).</summary>
    public string Path { get; } = path ?? throw new ArgumentNullException(nameof(path));

    /// <summary>True when the folder holds a file of that name.</summary>
    /// <param name="name">The file name.</param>
    public bool Exists(string name) => FileSystem.FileExists(PathOf(name));

    /// <summary>Replaces a file crash-safely (temporary file, fsync, rename, fsync of the folder).</summary>
    /// <param name="name">The file name.</param>
    /// <param name="content">Its whole content.</param>
    public void WriteDurably(string name, ReadOnlySpan<byte> content) => DurableFile.WriteAllBytes(FileSystem, PathOf(name), content);

    /// <summary>
    /// Streams a file crash-safely: <paramref name="write"/> writes its body sequentially, a CRC32C of the body follows
    /// as the last 4 bytes, then the temporary file is fsynced, renamed over <paramref name="name"/> and the folder
    /// fsynced. Nothing is built whole in memory.
    /// </summary>
    /// <param name="name">The file name.</param>
    /// <param name="write">Writes the body.</param>
    public void WriteDurably(string name, Action<ChecksummedFileWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string path = PathOf(name);
        string temp = path + ".tmp";
        using (IStorageFile file = FileSystem.OpenFile(temp, StorageFileMode.Create))
        {
            var writer = new ChecksummedFileWriter(file);
            write(writer);
            writer.Finish();
            file.Sync();
        }

        FileSystem.MoveFile(temp, path, overwrite: true);
        FileSystem.SyncDirectory(Path);
    }

    /// <summary>
    /// Reads a whole file; null when it is absent, or too large to read into one array (index files are rebuilt then).
    /// </summary>
    /// <param name="name">The file name.</param>
    public byte[]? TryRead(string name)
    {
        if (!Exists(name))
        {
            return null;
        }

        using (IStorageFile file = FileSystem.OpenFile(PathOf(name), StorageFileMode.OpenRead))
        {
            if (file.Length > Array.MaxLength)
            {
                return null;
            }
        }

        return DurableFile.ReadAllBytes(FileSystem, PathOf(name));
    }

    /// <summary>The full path of a file in the folder.</summary>
    /// <param name="name">The file name.</param>
    public string PathOf(string name) => System.IO.Path.Combine(Path, name);
}
