using VectorEngine.Storage;

namespace VectorEngine.FaultInjection;

/// <summary>
/// A file system over a real folder that remembers what is durable and injects one <see cref="Fault"/> (after SQLite's
/// test VFS and RocksDB's FaultInjectionTestFS). It keeps, beside the real files, a model of the durable state: each
/// file's bytes as of its last successful fsync, and each folder's entries as of its last successful fsync. A failed
/// fsync loses the bytes it should have made durable, as Linux does. After a power loss,
/// <see cref="RestoreDurableState"/> rewrites the folder to exactly that durable state (plus a random prefix of bytes
/// appended after a file's last fsync: a torn write), and a new instance over the folder plays the next boot.
/// </summary>
/// <remarks>
/// Paths outside the root go to the real file system untouched. Every call runs under one lock, so the model and the
/// real folder never disagree; this is a test device, not a fast path. Inside the root no real fsync is issued: the
/// model alone decides what survives.
/// </remarks>
public sealed partial class FaultInjectingFileSystem : IFileSystem
{
    private const int EIO = 5;
    private const int ENOSPC = 28;

    private readonly object _gate = new();
    private readonly string _root;
    private readonly Folder _rootFolder = new();
    private readonly Random _random;
    private Fault _fault;
    private readonly LocalFileSystem _local = LocalFileSystem.Instance;
    private long _calls;
    private readonly long[] _callsByOp = new long[Enum.GetValues<Op>().Length];
    private long _skipMatching;
    private bool _crashed;

    /// <summary>Wraps <paramref name="root"/>; everything already in it counts as durable (the state after a boot).</summary>
    /// <param name="root">The folder whose files are modelled.</param>
    /// <param name="fault">The fault to inject.</param>
    /// <param name="seed">Seeds torn-write lengths.</param>
    public FaultInjectingFileSystem(string root, Fault fault, int seed)
    {
        ArgumentNullException.ThrowIfNull(fault);
        _root = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
        _fault = fault;
        _random = new Random(seed);
        Directory.CreateDirectory(_root);
        Scan(_rootFolder, _root);
    }

    /// <summary>Mutating calls so far (creates, writes, truncations, fsyncs, renames, deletes).</summary>
    public long Calls
    {
        get
        {
            lock (_gate)
            {
                return _calls;
            }
        }
    }

    /// <summary>What the fault hit, once it has struck; null before.</summary>
    public string? Fired { get; private set; }

    /// <summary>True once the power is gone: every call fails until <see cref="RestoreDurableState"/>.</summary>
    public bool Crashed
    {
        get
        {
            lock (_gate)
            {
                return _crashed;
            }
        }
    }

    /// <summary>Arms a new fault to strike the next call of its kind from now (tests that set up healthy state first).</summary>
    /// <param name="kind">What goes wrong.</param>
    public void Arm(FaultKind kind) => Arm(kind, skipMatching: 0);

    /// <summary>
    /// Arms <paramref name="kind"/> to strike the call of its kind after <paramref name="skipMatching"/> more such calls
    /// (0: the next one), so a sweep can fail each of an operation's calls in turn (see <see cref="MatchingCalls"/>).
    /// </summary>
    /// <param name="kind">What goes wrong.</param>
    /// <param name="skipMatching">Calls of that kind to let through first.</param>
    public void Arm(FaultKind kind, long skipMatching)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skipMatching);
        lock (_gate)
        {
            _fault = new Fault(kind, _calls + 1);
            _skipMatching = skipMatching;
            Fired = null;
        }
    }

    /// <summary>Calls so far that <paramref name="kind"/> could strike (all mutating calls for a power loss).</summary>
    /// <param name="kind">The fault.</param>
    public long MatchingCalls(FaultKind kind)
    {
        lock (_gate)
        {
            return kind switch
            {
                FaultKind.PowerLoss => _calls,
                FaultKind.FailFileSync => _callsByOp[(int)Op.FileSync],
                FaultKind.FailDirectorySync => _callsByOp[(int)Op.DirectorySync],
                FaultKind.FailWrite or FaultKind.DiskFull => _callsByOp[(int)Op.Write],
                FaultKind.FailRename => _callsByOp[(int)Op.Rename],
                _ => 0,
            };
        }
    }

    /// <summary>Cuts the power now (for a power loss after the last operation).</summary>
    public void CrashNow()
    {
        lock (_gate)
        {
            _crashed = true;
        }
    }

    /// <summary>
    /// After a power loss: rewrites the root folder to its durable state. Files and folders whose entries were not
    /// durable are gone; files hold their bytes as of their last fsync, plus a random prefix of what was appended
    /// since (unless an fsync of theirs failed). Open handles must be closed first.
    /// </summary>
    public void RestoreDurableState()
    {
        lock (_gate)
        {
            _crashed = true;
            var liveBytes = new Dictionary<FileData, byte[]>();
            CollectLive(_rootFolder, _root, liveBytes);
            foreach (string entry in Directory.EnumerateFileSystemEntries(_root))
            {
                if (Directory.Exists(entry))
                {
                    Directory.Delete(entry, recursive: true);
                }
                else
                {
                    File.Delete(entry);
                }
            }

            WriteDurable(_rootFolder, _root, liveBytes);
        }
    }

    /// <inheritdoc />
    public IStorageFile OpenFile(string path, StorageFileMode mode)
    {
        lock (_gate)
        {
            bool creates = mode is StorageFileMode.CreateNew or StorageFileMode.Create;
            if (creates)
            {
                Hit(Op.Other, path);
            }
            else
            {
                ThrowIfCrashed();
            }

            IStorageFile inner = _local.OpenFile(path, mode);
            if (Locate(path) is not { } place)
            {
                return new FaultFile(this, inner, null);
            }

            place.Folder.Current.TryGetValue(place.Name, out object? node);
            var data = node as FileData;
            if (data is null || mode == StorageFileMode.CreateNew)
            {
                data = new FileData();
                place.Folder.Current[place.Name] = data;
            }

            if (mode == StorageFileMode.Create)
            {
                data.Touch(0, 0);
            }

            return new FaultFile(this, inner, data);
        }
    }

    /// <inheritdoc />
    public bool FileExists(string path)
    {
        lock (_gate)
        {
            ThrowIfCrashed();
            return _local.FileExists(path);
        }
    }

    /// <inheritdoc />
    public bool DirectoryExists(string path)
    {
        lock (_gate)
        {
            ThrowIfCrashed();
            return _local.DirectoryExists(path);
        }
    }

    /// <inheritdoc />
    public void CreateDirectory(string path)
    {
        lock (_gate)
        {
            Hit(Op.Other, path);
            _local.CreateDirectory(path);
            if (Relative(path) is { } relative)
            {
                Folder folder = _rootFolder;
                foreach (string part in relative)
                {
                    if (!folder.Current.TryGetValue(part, out object? child) || child is not Folder sub)
                    {
                        sub = new Folder();
                        folder.Current[part] = sub;
                    }

                    folder = sub;
                }
            }
        }
    }

    /// <inheritdoc />
    public void DeleteFile(string path)
    {
        lock (_gate)
        {
            Hit(Op.Other, path);
            _local.DeleteFile(path);
            if (Locate(path) is { } place)
            {
                place.Folder.Current.Remove(place.Name);
            }
        }
    }

    /// <inheritdoc />
    public void DeleteDirectory(string path)
    {
        lock (_gate)
        {
            Hit(Op.Other, path);
            _local.DeleteDirectory(path);
            if (Locate(path) is { } place)
            {
                place.Folder.Current.Remove(place.Name);
            }
        }
    }

    /// <inheritdoc />
    public void MoveFile(string source, string destination, bool overwrite)
    {
        lock (_gate)
        {
            if (Hit(Op.Rename, source))
            {
                throw Error(EIO, $"rename of {Path.GetFileName(source)}");
            }

            _local.MoveFile(source, destination, overwrite);
            Move(source, destination);
        }
    }

    /// <inheritdoc />
    public void MoveDirectory(string source, string destination)
    {
        lock (_gate)
        {
            if (Hit(Op.Rename, source))
            {
                throw Error(EIO, $"rename of {Path.GetFileName(source)}");
            }

            _local.MoveDirectory(source, destination);
            Move(source, destination);
        }
    }

    /// <inheritdoc />
    public void SyncDirectory(string path)
    {
        lock (_gate)
        {
            if (Hit(Op.DirectorySync, path))
            {
                throw Error(EIO, $"fsync of folder {Path.GetFileName(path)}");
            }

            // The model decides what is durable; a real fsync would only slow the tests down.
            if (!Directory.Exists(path))
            {
                throw new DirectoryNotFoundException($"Folder '{Path.GetFileName(path)}' does not exist.");
            }

            Folder? folder = Relative(path) is { } relative ? Walk(relative) : null;
            if (folder is not null)
            {
                folder.Durable = new Dictionary<string, object>(folder.Current, StringComparer.Ordinal);
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListFiles(string path)
    {
        lock (_gate)
        {
            ThrowIfCrashed();
            return _local.ListFiles(path);
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListDirectories(string path)
    {
        lock (_gate)
        {
            ThrowIfCrashed();
            return _local.ListDirectories(path);
        }
    }

    /// <inheritdoc />
    public IMappedFile MapReadOnly(string path)
    {
        lock (_gate)
        {
            ThrowIfCrashed();
            return _local.MapReadOnly(path);
        }
    }

    /// <inheritdoc />
    public IDisposable AcquireLock(string path)
    {
        lock (_gate)
        {
            ThrowIfCrashed();
            return _local.AcquireLock(path);
        }
    }

    /// <summary>Counts a mutating call; true when the fault strikes it (the caller then fails it its own way).</summary>
    private bool Hit(Op op, string path)
    {
        ThrowIfCrashed();
        _calls++;
        _callsByOp[(int)op]++;
        if (Fired is not null || _fault.Kind == FaultKind.None || _calls < _fault.AtCall)
        {
            return false;
        }

        if (_fault.Kind == FaultKind.PowerLoss)
        {
            if (_skipMatching > 0)
            {
                _skipMatching--;
                return false;
            }

            _crashed = true;
            Fired = $"power loss at call {_calls} ({op} {Path.GetFileName(path)})";
            throw Error(EIO, "power lost");
        }

        bool matches = _fault.Kind switch
        {
            FaultKind.FailFileSync => op == Op.FileSync,
            FaultKind.FailDirectorySync => op == Op.DirectorySync,
            FaultKind.FailWrite or FaultKind.DiskFull => op == Op.Write,
            FaultKind.FailRename => op == Op.Rename,
            _ => false,
        };
        if (matches && _skipMatching > 0)
        {
            _skipMatching--;
            return false;
        }

        if (matches)
        {
            Fired = $"{_fault.Kind} at call {_calls} ({Path.GetFileName(path)})";
        }

        return matches;
    }

    private void ThrowIfCrashed()
    {
        if (_crashed)
        {
            throw Error(EIO, "power lost");
        }
    }

    private static IOException Error(int errno, string what) =>
        new($"Injected fault: {what} failed ({(errno == ENOSPC ? "ENOSPC, no space left on device" : "EIO, input/output error")}).", errno);

    private enum Op
    {
        Other,
        Write,
        FileSync,
        DirectorySync,
        Rename,
    }
}
