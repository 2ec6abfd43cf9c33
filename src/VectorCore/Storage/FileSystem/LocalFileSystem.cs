using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace VectorEngine.Storage;

/// <summary>The real file system: positional I/O on file handles, fsync on files and folders, mmap.</summary>
public sealed class LocalFileSystem : IFileSystem
{
    private LocalFileSystem()
    {
    }

    /// <summary>The one instance.</summary>
    public static LocalFileSystem Instance { get; } = new();

    /// <inheritdoc />
    public IStorageFile OpenFile(string path, StorageFileMode mode)
    {
        (FileMode fileMode, FileAccess access) = mode switch
        {
            StorageFileMode.CreateNew => (FileMode.CreateNew, FileAccess.ReadWrite),
            StorageFileMode.Create => (FileMode.Create, FileAccess.ReadWrite),
            StorageFileMode.OpenExisting => (FileMode.Open, FileAccess.ReadWrite),
            StorageFileMode.OpenRead => (FileMode.Open, FileAccess.Read),
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };
        return new LocalFile(File.OpenHandle(path, fileMode, access, access == FileAccess.Read ? FileShare.ReadWrite | FileShare.Delete : FileShare.Read | FileShare.Delete));
    }

    /// <inheritdoc />
    public bool FileExists(string path) => File.Exists(path);

    /// <inheritdoc />
    public bool DirectoryExists(string path) => Directory.Exists(path);

    /// <inheritdoc />
    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    /// <inheritdoc />
    public void DeleteFile(string path) => File.Delete(path);

    /// <inheritdoc />
    public void DeleteDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    /// <inheritdoc />
    public void MoveFile(string source, string destination, bool overwrite) => File.Move(source, destination, overwrite);

    /// <inheritdoc />
    public void MoveDirectory(string source, string destination) => Directory.Move(source, destination);

    /// <inheritdoc />
    public void SyncDirectory(string path) => NativeDirectory.Sync(path);

    /// <inheritdoc />
    public IReadOnlyList<string> ListFiles(string path) => Directory.GetFiles(path).Order(StringComparer.Ordinal).ToArray();

    /// <inheritdoc />
    public IReadOnlyList<string> ListDirectories(string path) => Directory.GetDirectories(path).Order(StringComparer.Ordinal).ToArray();

    /// <inheritdoc />
    public IMappedFile MapReadOnly(string path) => new LocalMapping(path);

    /// <inheritdoc />
    public IDisposable AcquireLock(string path) => new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

    private sealed class LocalFile(SafeFileHandle handle) : IStorageFile
    {
        public long Length => RandomAccess.GetLength(handle);

        public int Read(Span<byte> buffer, long offset) => RandomAccess.Read(handle, buffer, offset);

        public void Write(ReadOnlySpan<byte> data, long offset) => RandomAccess.Write(handle, data, offset);

        public void SetLength(long length) => RandomAccess.SetLength(handle, length);

        public void Sync() => RandomAccess.FlushToDisk(handle);

        public void Dispose() => handle.Dispose();
    }

    private sealed unsafe class LocalMapping : IMappedFile
    {
        private readonly MemoryMappedFile _file;
        private readonly MemoryMappedViewAccessor _view;
        private byte* _pointer;

        public LocalMapping(string path)
        {
            _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            try
            {
                _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
                _view.SafeMemoryMappedViewHandle.AcquirePointer(ref _pointer);
                Length = (long)_view.SafeMemoryMappedViewHandle.ByteLength - _view.PointerOffset;
                _pointer += _view.PointerOffset;
            }
            catch
            {
                _view?.Dispose();
                _file.Dispose();
                throw;
            }
        }

        public nint Address => (nint)_pointer;

        public long Length { get; }

        public void Advise(MappedAccess access)
        {
            if (_pointer != null && Length > 0)
            {
                MemoryAdvice.Apply(_pointer, Length, access);
            }
        }

        public void Dispose()
        {
            if (_pointer != null)
            {
                _pointer = null;
                _view.SafeMemoryMappedViewHandle.ReleasePointer();
                _view.Dispose();
                _file.Dispose();
            }
        }
    }
}
