using System.Buffers.Binary;
using VectorEngine.Diagnostics;
using VectorEngine.Indexing;
using VectorEngine.Storage;

namespace VectorEngine.Segments;

/// <summary>
/// A sealed segment's vectors, memory-mapped from <c>vectors.bin</c>. The 64-byte header keeps rows 64-byte aligned
/// (mappings start on a page boundary). Pages come in on first touch and stay in the page cache.
/// </summary>
internal sealed unsafe class MappedVectorStore : IVectorStore, IDisposable
{
    public const int HeaderSize = 64;
    public const uint CurrentVersion = 1;

    private readonly IMappedFile _mapping;
    private readonly IFileSystem _fs;
    private readonly string _path;
    private IStorageFile? _rows;
    private byte* _pointer;

    private MappedVectorStore(IFileSystem fs, string path, IMappedFile mapping, int count, int dimension, int stride, DistanceMetric metric)
    {
        _fs = fs;
        _path = path;
        _mapping = mapping;
        _pointer = (byte*)mapping.Address;
        Count = count;
        Dimension = dimension;
        Stride = stride;
        Metric = metric;
    }

    public static ReadOnlySpan<byte> Magic => "VEVECTRS"u8;

    public int Count { get; }

    public int Dimension { get; }

    public int Stride { get; }

    public DistanceMetric Metric { get; }

    public float* Base => (float*)(_pointer + HeaderSize);

    /// <summary>The whole mapped file, header included (for checksums).</summary>
    public byte* File => _pointer;

    /// <summary>The file's length in bytes.</summary>
    public long FileLength => HeaderSize + Bytes;

    public long Bytes => (long)Count * Stride * sizeof(float);

    /// <summary>Tells the kernel how the rows will be read (a warm segment's are read sparsely: only to rescore).</summary>
    public void Advise(MappedAccess access) => _mapping.Advise(access);

    /// <summary>True once rows are read with positional reads (see <see cref="ReadRowsFromFile"/>).</summary>
    public bool ReadsFromFile => _rows is not null;

    /// <summary>
    /// Opens the file for positional reads of single rows (a warm segment's rescoring). A read copies a row out of the
    /// page cache and maps nothing; touching the mapping costs a page fault and a page-table entry per row and, at the
    /// next trim, an unmapping: at 10M points in warm segments that was most of the search's time.
    /// </summary>
    public void ReadRowsFromFile() => _rows ??= _fs.OpenFile(_path, StorageFileMode.OpenRead);

    /// <summary>Reads row <paramref name="offset"/>, its padding included (<see cref="Stride"/> floats).</summary>
    /// <exception cref="DataCorruptionException">The file ends before the row.</exception>
    public void ReadRow(uint offset, Span<byte> into)
    {
        long position = HeaderSize + ((long)offset * Stride * sizeof(float));
        into = into[..(Stride * sizeof(float))];
        for (int done = 0; done < into.Length;)
        {
            int read = _rows!.Read(into[done..], position + done);
            if (read == 0)
            {
                ThrowHelper.ThrowCorrupt($"Vector file '{JsonFile.Describe(_path)}' ends inside row {offset}.");
            }

            done += read;
        }
    }

    /// <summary>Starts reading a row's pages from disk, not waiting (a warm segment's rows are read sparsely, on demand).</summary>
    public void WillNeed(uint offset) => MemoryAdvice.WillNeed((byte*)(Base + ((nint)offset * Stride)), (long)Dimension * sizeof(float));

    public ReadOnlySpan<float> GetVector(uint offset) => new(Base + ((nint)offset * Stride), Dimension);

    public static void WriteHeader(Span<byte> header, int count, int dimension, int stride, DistanceMetric metric)
    {
        header[..HeaderSize].Clear();
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], CurrentVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], dimension);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], stride);
        BinaryPrimitives.WriteInt32LittleEndian(header[20..], (int)metric);
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], count);
    }

    public static MappedVectorStore Open(IFileSystem fs, string path, int expectedDimension, DistanceMetric expectedMetric)
    {
        string name = JsonFile.Describe(path);
        if (!fs.FileExists(path))
        {
            ThrowHelper.ThrowCorrupt($"Vector file '{name}' is missing.");
        }

        IMappedFile mapping = fs.MapReadOnly(path);
        try
        {
            long length = mapping.Length;
            if (length < HeaderSize)
            {
                ThrowHelper.ThrowCorrupt($"Vector file '{name}' is shorter than its header.");
            }

            var header = new ReadOnlySpan<byte>((void*)mapping.Address, HeaderSize);
            if (!header[..8].SequenceEqual(Magic) || BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != CurrentVersion)
            {
                ThrowHelper.ThrowCorrupt($"Vector file '{name}' has a bad magic or an unknown version.");
            }

            int dimension = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
            int stride = BinaryPrimitives.ReadInt32LittleEndian(header[16..]);
            var metric = (DistanceMetric)BinaryPrimitives.ReadInt32LittleEndian(header[20..]);
            long count = BinaryPrimitives.ReadInt64LittleEndian(header[24..]);
            if (dimension != expectedDimension || metric != expectedMetric || stride != GrowableVectorStore.StrideFor(dimension) ||
                count < 0 || count > int.MaxValue || length != HeaderSize + (count * stride * sizeof(float)))
            {
                ThrowHelper.ThrowCorrupt($"Vector file '{name}' does not match its collection (dim {dimension}, metric {metric}, {count} rows, {length} bytes).");
            }

            return new MappedVectorStore(fs, path, mapping, (int)count, dimension, stride, metric);
        }
        catch
        {
            mapping.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_pointer != null)
        {
            _pointer = null;
            _mapping.Dispose();
            _rows?.Dispose();
        }
    }
}
