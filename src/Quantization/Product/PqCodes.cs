using System.Runtime.InteropServices;
using VectorEngine.Indexing;
using VectorEngine.Indexing.Quantization;
using VectorEngine.Indexing.Scoring;
using VectorEngine.Quantization.Clustering;
using VectorEngine.Quantization.Persistence;
using VectorEngine.Storage;

namespace VectorEngine.Quantization.Product;

/// <summary>
/// PQ codes of a segment's vectors, m bytes per row in store order, for indexes that traverse codes (HNSW). The
/// codebooks are trained on a seeded sample of the rows themselves (IVF-PQ codes residuals instead; see IvfIndex).
/// Saved as "pq.codes" (header, codebooks, codes, CRC32C).
/// </summary>
internal sealed unsafe class PqCodes : IQuantizedVectors
{
    /// <summary>The file in the segment folder.</summary>
    public const string FileName = "pq.codes";

    private const uint Version = 1;
    private static ReadOnlySpan<byte> Magic => "VEQPQC01"u8;

    private readonly IVectorStore _store;
    private readonly PqParameters _parameters;
    private readonly ProductQuantizer _pq;
    private byte[] _codes;
    private int _count;

    private PqCodes(IVectorStore store, PqParameters parameters, ProductQuantizer pq, byte[] codes, int count)
    {
        _store = store;
        _parameters = parameters;
        _pq = pq;
        _codes = codes;
        _count = count;
    }

    /// <inheritdoc />
    public string Name => PqQuantizerFactory.QuantizerName;

    /// <inheritdoc />
    public int Count => Volatile.Read(ref _count);

    /// <inheritdoc />
    public int BytesPerVector => _pq.SubQuantizers;

    /// <inheritdoc />
    public long MemoryBytes => _codes.LongLength + (4L * _pq.Codebooks.Length);

    /// <inheritdoc />
    /// <remarks>2, the oversampling these codes were tuned with before it was per quantizer; their tests set their own.</remarks>
    public double DefaultOversampling => 2.0;

    /// <summary>The PQ code of one row.</summary>
    /// <param name="offset">The row.</param>
    public ReadOnlySpan<byte> GetCode(uint offset) => _codes.AsSpan((int)offset * _pq.SubQuantizers, _pq.SubQuantizers);

    /// <summary>The vector the code of one row stands for.</summary>
    /// <param name="offset">The row.</param>
    public float[] Decode(uint offset)
    {
        var vector = new float[_store.Dimension];
        _pq.Decode(GetCode(offset), vector);
        return vector;
    }

    internal static PqCodes Train(IVectorStore store, PqParameters parameters)
    {
        int dim = store.Dimension, m = parameters.SubQuantizersFor(dim);
        int[] rows = KMeans.Subset(store.Count, parameters.SampleSize, new Random(parameters.Seed));
        ProductQuantizer pq;
        using (var sample = new KMeans.Matrix(rows.Length, dim))
        {
            for (int i = 0; i < rows.Length; i++)
            {
                store.GetVector((uint)rows[i]).CopyTo(sample.Row(i));
            }

            pq = rows.Length == 0
                ? new ProductQuantizer(dim, m, new float[m * ProductQuantizer.Centroids * (dim / m)])
                : ProductQuantizer.Train(sample, m, parameters.Iterations, parameters.Seed, threads: 0);
        }

        var codes = new PqCodes(store, parameters, pq, [], 0);
        codes.Add(0);
        return codes;
    }

    /// <inheritdoc />
    public void Add(uint fromOffset)
    {
        int from = Math.Max((int)fromOffset, _count), to = _store.Count, m = _pq.SubQuantizers;
        if (to <= from)
        {
            return;
        }

        using var rows = new KMeans.Matrix(to - from, _store.Dimension);
        for (int i = from; i < to; i++)
        {
            _store.GetVector((uint)i).CopyTo(rows.Row(i - from));
        }

        byte[] fresh = new byte[(long)(to - from) * m];
        _pq.Encode(rows, fresh, threads: 0);

        // Searches may hold the old array: a grown one is a copy, published after it is filled.
        byte[] target = _codes;
        if (target.Length < (long)to * m)
        {
            target = new byte[Math.Max((long)to * m, 2L * _codes.Length)];
            _codes.AsSpan(0, _count * m).CopyTo(target);
        }

        fresh.CopyTo(target, (long)from * m);
        Volatile.Write(ref _codes, target);
        Volatile.Write(ref _count, to);
    }

    /// <inheritdoc />
    public TResult Score<TUser, TResult>(ReadOnlySpan<float> query, ScratchBuffer scratch, ref TUser user)
        where TUser : struct, IScorerUser<TResult>
    {
        ArgumentNullException.ThrowIfNull(scratch);
        float* table = (float*)scratch.Get(_pq.TableLength * sizeof(float));
        if (_store.Metric == DistanceMetric.L2)
        {
            _pq.SquaredL2Table(query, table);
        }
        else
        {
            _pq.DotTable(query, -1f, table);
        }

        byte[] codes = Volatile.Read(ref _codes);

        // Code arrays are never moved by the GC while pinned for the search; the user runs inside the fixed block.
        fixed (byte* rows = codes)
        {
            return user.Use(new PqScorer(table, rows, _pq.SubQuantizers));
        }
    }

    /// <inheritdoc />
    public void Save(StorageFolder folder)
    {
        int count = Count, m = _pq.SubQuantizers;
        ChecksummedFile.Write(folder, FileName, writer =>
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(_store.Dimension);
            writer.Write(m);
            writer.Write(count);
            writer.Write(_parameters.Iterations);
            writer.Write(_parameters.SampleSize);
            writer.Write(_parameters.Seed);
            writer.Write(MemoryMarshal.AsBytes(_pq.Codebooks.AsSpan()));
            writer.Write(_codes.AsSpan(0, count * m));
        });
    }

    /// <summary>Reads codes saved for <paramref name="store"/> with the same parameters; null when absent, damaged or different.</summary>
    internal static PqCodes? TryLoad(IVectorStore store, PqParameters parameters, StorageFolder folder)
    {
        int dim = store.Dimension, m = parameters.SubQuantizersFor(dim), count = store.Count;
        return ChecksummedFile.Read(folder, FileName, reader =>
        {
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic) || reader.ReadUInt32() != Version || reader.ReadInt32() != dim
                || reader.ReadInt32() != m || reader.ReadInt32() != count || reader.ReadInt32() != parameters.Iterations
                || reader.ReadInt32() != parameters.SampleSize || reader.ReadInt32() != parameters.Seed)
            {
                return null;
            }

            float[] books = new float[m * ProductQuantizer.Centroids * (dim / m)];
            reader.ReadExactly(MemoryMarshal.AsBytes(books.AsSpan()));
            byte[] codes = new byte[(long)count * m];
            reader.ReadExactly(codes);
            return books.All(float.IsFinite) ? new PqCodes(store, parameters, new ProductQuantizer(dim, m, books), codes, count) : null;
        });
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
