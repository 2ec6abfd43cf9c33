using VectorEngine.Storage;

namespace VectorEngine.Tests.TestKit;

/// <summary>The real file system, with the files a test picks wrapped so it can hold, count or fail their calls.</summary>
internal abstract class InterceptingFileSystem : IFileSystem
{
    private readonly IFileSystem _local = LocalFileSystem.Instance;

    public IStorageFile OpenFile(string path, StorageFileMode mode) => Intercept(path, _local.OpenFile(path, mode));

    public bool FileExists(string path) => _local.FileExists(path);

    public bool DirectoryExists(string path) => _local.DirectoryExists(path);

    public void CreateDirectory(string path) => _local.CreateDirectory(path);

    public void DeleteFile(string path) => _local.DeleteFile(path);

    public void DeleteDirectory(string path) => _local.DeleteDirectory(path);

    public void MoveFile(string source, string destination, bool overwrite) => _local.MoveFile(source, destination, overwrite);

    public void MoveDirectory(string source, string destination) => _local.MoveDirectory(source, destination);

    public void SyncDirectory(string path) => _local.SyncDirectory(path);

    public IReadOnlyList<string> ListFiles(string path) => _local.ListFiles(path);

    public IReadOnlyList<string> ListDirectories(string path) => _local.ListDirectories(path);

    public IMappedFile MapReadOnly(string path) => _local.MapReadOnly(path);

    public IDisposable AcquireLock(string path) => _local.AcquireLock(path);

    /// <summary>The file as the engine will see it: <paramref name="file"/> itself, or a wrapper around it.</summary>
    protected abstract IStorageFile Intercept(string path, IStorageFile file);
}

/// <summary>A file that passes every call through; a test overrides the ones it intercepts.</summary>
internal class PassThroughFile(IStorageFile inner) : IStorageFile
{
    public long Length => inner.Length;

    public virtual int Read(Span<byte> buffer, long offset) => inner.Read(buffer, offset);

    public virtual void Write(ReadOnlySpan<byte> data, long offset) => inner.Write(data, offset);

    public void SetLength(long length) => inner.SetLength(length);

    public virtual void Sync() => inner.Sync();

    public void Dispose() => inner.Dispose();
}
