namespace VectorEngine.Storage;

/// <summary>An open file of an <see cref="IFileSystem"/>: positional reads and writes, and fsync.</summary>
public interface IStorageFile : IDisposable
{
    /// <summary>The file's length in bytes.</summary>
    long Length { get; }

    /// <summary>Reads up to <paramref name="buffer"/>'s length at <paramref name="offset"/>; returns the bytes read (0 at the end).</summary>
    /// <param name="buffer">Where to read to.</param>
    /// <param name="offset">The file position.</param>
    int Read(Span<byte> buffer, long offset);

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/> (not yet durable).</summary>
    /// <param name="data">The bytes.</param>
    /// <param name="offset">The file position.</param>
    void Write(ReadOnlySpan<byte> data, long offset);

    /// <summary>Truncates or extends the file.</summary>
    /// <param name="length">The new length.</param>
    void SetLength(long length);

    /// <summary>fsyncs the file's data and length to stable storage. A failure means written bytes may be lost.</summary>
    void Sync();
}

/// <summary>A read-only memory mapping of a whole file; the memory stays valid until disposed.</summary>
public interface IMappedFile : IDisposable
{
    /// <summary>The address of the file's first byte.</summary>
    nint Address { get; }

    /// <summary>The mapped length in bytes.</summary>
    long Length { get; }

    /// <summary>
    /// Says how the mapping will be read from now on: <see cref="MappedAccess.Sparse"/> drops the pages this process
    /// holds (they stay in the page cache, reclaimable) and turns read-ahead off, so a warm segment's rescoring reads
    /// bring in only the rows they touch; <see cref="MappedAccess.Normal"/> restores read-ahead. A hint: the default
    /// does nothing.
    /// </summary>
    /// <param name="access">How the mapping will be read.</param>
    void Advise(MappedAccess access)
    {
    }
}

/// <summary>How a mapped file will be read (see <see cref="IMappedFile.Advise"/>).</summary>
public enum MappedAccess
{
    /// <summary>Sequential runs and repeated reads: keep read-ahead.</summary>
    Normal = 0,

    /// <summary>A few scattered rows per search: release resident pages and read only what is touched.</summary>
    Sparse = 1,
}
