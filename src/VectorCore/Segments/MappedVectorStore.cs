using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using VectorEngine.Diagnostics;
using VectorEngine.Indexing;

namespace VectorEngine.Segments;

/// <summary>
/// A sealed segment's vectors, memory-mapped from <c>vectors.bin</c>. The 64-byte header keeps rows 64-byte aligned
/// (mappings start on a page boundary). Pages come in on first touch and stay in the page cache.
/// </summary>
internal sealed unsafe class MappedVectorStore : IVectorStore, IDisposable
{
    public const int HeaderSize = 64;
    public const uint CurrentVersion = 1;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _pointer;

    private MappedVectorStore(MemoryMappedFile file, MemoryMappedViewAccessor view, byte* pointer, int count, int dimension, int stride, DistanceMetric metric)
    {
        _file = file;
        _view = view;
        _pointer = pointer;
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

    public long Bytes => (long)Count * Stride * sizeof(float);

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

    public static MappedVectorStore Open(string path, int expectedDimension, DistanceMetric expectedMetric)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length < HeaderSize)
        {
            ThrowHelper.ThrowCorrupt($"Vector file '{path}' is missing or shorter than its header.");
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        using (FileStream stream = File.OpenRead(path))
        {
            stream.ReadExactly(header);
        }

        if (!header[..8].SequenceEqual(Magic) || BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != CurrentVersion)
        {
            ThrowHelper.ThrowCorrupt($"Vector file '{path}' has a bad magic or an unknown version.");
        }

        int dimension = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        int stride = BinaryPrimitives.ReadInt32LittleEndian(header[16..]);
        var metric = (DistanceMetric)BinaryPrimitives.ReadInt32LittleEndian(header[20..]);
        long count = BinaryPrimitives.ReadInt64LittleEndian(header[24..]);
        if (dimension != expectedDimension || metric != expectedMetric || stride != GrowableVectorStore.StrideFor(dimension) ||
            count < 0 || count > int.MaxValue || info.Length != HeaderSize + (count * stride * sizeof(float)))
        {
            ThrowHelper.ThrowCorrupt($"Vector file '{path}' does not match its collection (dim {dimension}, metric {metric}, {count} rows, {info.Length} bytes).");
        }

        MemoryMappedFile file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        pointer += view.PointerOffset;
        return new MappedVectorStore(file, view, pointer, (int)count, dimension, stride, metric);
    }

    public void Dispose()
    {
        if (_pointer != null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _pointer = null;
            _view.Dispose();
            _file.Dispose();
        }
    }
}
