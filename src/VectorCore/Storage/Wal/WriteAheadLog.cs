using System.Globalization;
using Microsoft.Extensions.Logging;
using VectorEngine.Diagnostics;

namespace VectorEngine.Storage.Wal;

/// <summary>
/// A collection's write-ahead log: numbered generation files in its <c>wal/</c> folder, one of them being written. A
/// seal starts the next generation; the manifest names the oldest generation recovery must replay, and generations
/// before it are removed. Replay never modifies a file except to cut a torn tail (or, when the loss is accepted, the
/// damage, after keeping a copy), and recovery always writes a new generation, never after a replayed one.
/// </summary>
internal sealed class WriteAheadLog : IDisposable
{
    public const string Folder = "wal";
    private const string Extension = ".wal";

    private readonly IFileSystem _fs;
    private readonly string _folder;
    private readonly string _collection;
    private readonly ILogger _logger;
    private WalWriter? _writer;

    public WriteAheadLog(IFileSystem fs, string collectionDirectory, string collection, ILogger logger)
    {
        _fs = fs;
        _folder = Path.Combine(collectionDirectory, Folder);
        _collection = collection;
        _logger = logger;
    }

    /// <summary>The generation being written.</summary>
    public WalWriter Writer => _writer ?? throw new InvalidOperationException("The WAL has no generation open for writing.");

    /// <summary>Bytes in the generation being written.</summary>
    public long Length => _writer?.Length ?? 0;

    /// <summary>Replays every generation from <paramref name="fromGeneration"/> on, oldest first, then opens the next one for writing.</summary>
    /// <param name="fromGeneration">The manifest's replay start.</param>
    /// <param name="acceptDamage">Cut a file at damage that is not a torn tail (keeping a copy) instead of refusing.</param>
    /// <param name="onRecord">Applies one record.</param>
    /// <returns>How many records were replayed.</returns>
    /// <exception cref="WalDamagedException">A file is damaged before its end and the loss was not accepted.</exception>
    public int Recover(long fromGeneration, bool acceptDamage, WalReader.RecordHandler onRecord)
    {
        _fs.CreateDirectory(_folder);
        long[] generations = Generations().Where(g => g >= fromGeneration).Order().ToArray();
        int records = 0;
        foreach (long generation in generations)
        {
            records += ReplayGeneration(generation, acceptDamage, onRecord);
        }

        long next = generations.Length == 0 ? fromGeneration : generations[^1] + 1;
        _writer = WalWriter.Create(_fs, PathOf(next), next);
        return records;
    }

    /// <summary>Creates the next generation's file (durably) without switching to it: a seal may still fail.</summary>
    public WalWriter CreateNext()
    {
        long next = Writer.Generation + 1;
        return WalWriter.Create(_fs, PathOf(next), next);
    }

    /// <summary>Writes to <paramref name="next"/> from now on and closes the generation it replaces (already flushed).</summary>
    public void SwitchTo(WalWriter next)
    {
        WalWriter old = Writer;
        _writer = next;
        old.Dispose();
    }

    /// <summary>Removes a file <see cref="CreateNext"/> made for a seal that then failed. Best effort.</summary>
    public void Discard(WalWriter unused)
    {
        unused.Dispose();
        try
        {
            _fs.DeleteFile(unused.Path);
        }
        catch (IOException e)
        {
            Log.CleanupFailed(_logger, _collection, JsonFile.Describe(unused.Path), e);
        }
    }

    /// <summary>Removes generations before <paramref name="generation"/>. Best effort: a file left behind is removed at the next open.</summary>
    public void RemoveBefore(long generation)
    {
        try
        {
            foreach (long g in Generations().Where(g => g < generation).ToList())
            {
                _fs.DeleteFile(PathOf(g));
            }

            _fs.SyncDirectory(_folder);
        }
        catch (IOException e)
        {
            Log.CleanupFailed(_logger, _collection, Folder, e);
        }
    }

    /// <summary>Flushes and closes the generation being written.</summary>
    public void Dispose() => _writer?.Dispose();

    private IEnumerable<long> Generations()
    {
        foreach (string file in _fs.ListFiles(_folder))
        {
            if (file.EndsWith(Extension, StringComparison.Ordinal) &&
                long.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out long generation))
            {
                yield return generation;
            }
        }
    }

    /// <summary>Replays one file; cuts a torn tail; refuses damage before the end unless the loss is accepted.</summary>
    private int ReplayGeneration(long generation, bool acceptDamage, WalReader.RecordHandler onRecord)
    {
        string path = PathOf(generation);
        string file = Path.GetFileName(path);
        WalReplay replay = WalReader.Replay(_fs, path, generation, onRecord);
        if (replay.Problem is null)
        {
            return replay.Records;
        }

        if (!replay.IsTornTail)
        {
            if (!acceptDamage)
            {
                throw new WalDamagedException(_collection, file, replay.ValidLength, replay.Problem);
            }

            string copy = KeepDamagedCopy(path);
            Log.WalDamageAccepted(_logger, _collection, file, replay.ValidLength, replay.Problem, Path.GetFileName(copy));
        }
        else
        {
            Log.WalTailTruncated(_logger, file, replay.ValidLength, replay.Problem, replay.FileLength - replay.ValidLength);
        }

        if (replay.ValidLength == 0)
        {
            _fs.DeleteFile(path);
            _fs.SyncDirectory(_folder);
        }
        else
        {
            using IStorageFile wal = _fs.OpenFile(path, StorageFileMode.OpenExisting);
            wal.SetLength(replay.ValidLength);
            wal.Sync();
        }

        return replay.Records;
    }

    /// <summary>Copies a damaged WAL file aside, byte for byte, before it is cut.</summary>
    private string KeepDamagedCopy(string path)
    {
        string copy = path + ".damaged-" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        DurableFile.WriteAllBytes(_fs, copy, DurableFile.ReadAllBytes(_fs, path));
        return copy;
    }

    private string PathOf(long generation) =>
        Path.Combine(_folder, generation.ToString("D12", CultureInfo.InvariantCulture) + Extension);
}
