using System.Runtime.InteropServices;
using VectorEngine.Indexing;
using VectorEngine.Indexing.Quantization;
using VectorEngine.Indexing.Scoring;
using VectorEngine.Quantization.Persistence;
using VectorEngine.Storage;

namespace VectorEngine.Quantization.Binary;

/// <summary>
/// One bit per dimension (Qdrant's binary quantization): bit d is set when the value is above the dimension's
/// threshold — zero for inner-product and cosine collections (the sign), the sample mean for L2. 32x smaller than
/// floats; the query keeps 4 bits per dimension (<see cref="BinaryScorer"/>), so a distance is a few POPCNTs per 64
/// dimensions. Meant for high-dimensional embeddings (768–1536-d) with float rescoring. Saved as "binary.codes".
/// </summary>
internal sealed unsafe class BinaryCodes : IQuantizedVectors
{
    /// <summary>The file in the segment folder.</summary>
    public const string FileName = "binary.codes";

    private const uint Version = 1;
    private const int SampleSize = 20_000;
    private static ReadOnlySpan<byte> Magic => "VEQBIN01"u8;

    private readonly IVectorStore _store;
    private readonly float[] _thresholds;
    private ulong[] _words;
    private int _count;

    private BinaryCodes(IVectorStore store, float[] thresholds, ulong[] words, int count)
    {
        _store = store;
        _thresholds = thresholds;
        _words = words;
        _count = count;
        WordsPerRow = (store.Dimension + 63) / 64;
    }

    /// <inheritdoc />
    public string Name => BinaryQuantizerFactory.QuantizerName;

    /// <inheritdoc />
    public int Count => Volatile.Read(ref _count);

    /// <summary>64-bit words per row.</summary>
    public int WordsPerRow { get; }

    /// <inheritdoc />
    public int BytesPerVector => 8 * WordsPerRow;

    /// <inheritdoc />
    public long MemoryBytes => (8L * _words.Length) + (4L * _thresholds.Length);

    /// <inheritdoc />
    /// <remarks>2, the oversampling these codes were tuned with before it was per quantizer; their tests set their own.</remarks>
    public double DefaultOversampling => 2.0;

    /// <summary>The bits of one row.</summary>
    /// <param name="offset">The row.</param>
    public ReadOnlySpan<ulong> GetCode(uint offset) => _words.AsSpan((int)offset * WordsPerRow, WordsPerRow);

    internal static BinaryCodes Train(IVectorStore store)
    {
        int dim = store.Dimension;
        float[] thresholds = new float[dim];
        if (store.Metric == DistanceMetric.L2 && store.Count > 0)
        {
            // L2 data need not be centred: the per-dimension mean of an evenly spaced sample splits each dimension.
            int n = Math.Min(store.Count, SampleSize);
            double[] sums = new double[dim];
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<float> row = store.GetVector((uint)((long)i * store.Count / n));
                for (int d = 0; d < dim; d++)
                {
                    sums[d] += row[d];
                }
            }

            for (int d = 0; d < dim; d++)
            {
                thresholds[d] = (float)(sums[d] / n);
            }
        }

        var codes = new BinaryCodes(store, thresholds, [], 0);
        codes.Add(0);
        return codes;
    }

    /// <inheritdoc />
    public void Add(uint fromOffset)
    {
        int from = Math.Max((int)fromOffset, _count), to = _store.Count, words = WordsPerRow;
        if (to <= from)
        {
            return;
        }

        // Searches may hold the old array: a grown one is a copy, published after it is filled.
        ulong[] target = _words;
        if (target.Length < (long)to * words)
        {
            target = new ulong[Math.Max((long)to * words, 2L * _words.Length)];
            _words.AsSpan(0, _count * words).CopyTo(target);
        }

        Parallel.For(from, to, new ParallelOptions { MaxDegreeOfParallelism = to - from < 4096 ? 1 : -1 },
            row => Encode(_store.GetVector((uint)row), target.AsSpan(row * words, words)));
        Volatile.Write(ref _words, target);
        Volatile.Write(ref _count, to);
    }

    /// <summary>Sets bit d of <paramref name="bits"/> when value d is above its threshold.</summary>
    internal void Encode(ReadOnlySpan<float> vector, Span<ulong> bits)
    {
        bits.Clear();
        for (int d = 0; d < vector.Length; d++)
        {
            if (vector[d] > _thresholds[d])
            {
                bits[d >> 6] |= 1UL << (d & 63);
            }
        }
    }

    /// <inheritdoc />
    public TResult Score<TUser, TResult>(ReadOnlySpan<float> query, ScratchBuffer scratch, ref TUser user)
        where TUser : struct, IScorerUser<TResult>
    {
        ArgumentNullException.ThrowIfNull(scratch);
        int words = WordsPerRow, dim = _store.Dimension;
        ulong* planes = (ulong*)scratch.Get(4 * 8 * words);
        new Span<ulong>(planes, 4 * words).Clear();
        float min = float.MaxValue, max = float.MinValue, sum = 0;
        for (int d = 0; d < dim; d++)
        {
            float centred = query[d] - _thresholds[d];
            min = MathF.Min(min, centred);
            max = MathF.Max(max, centred);
            sum += centred;
        }

        float step = max > min ? (max - min) / 15f : 1f;
        for (int d = 0; d < dim; d++)
        {
            int code = Math.Clamp((int)MathF.Round((query[d] - _thresholds[d] - min) / step), 0, 15);
            for (int p = 0; p < 4; p++)
            {
                if ((code & (1 << p)) != 0)
                {
                    planes[(p * words) + (d >> 6)] |= 1UL << (d & 63);
                }
            }
        }

        fixed (ulong* rows = Volatile.Read(ref _words))
        {
            return user.Use(new BinaryScorer(planes, rows, words, sum, min, step));
        }
    }

    /// <inheritdoc />
    public void Save(StorageFolder folder)
    {
        int count = Count;
        ChecksummedFile.Write(folder, FileName, writer =>
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(_store.Dimension);
            writer.Write((int)_store.Metric);
            writer.Write(count);
            writer.Write(MemoryMarshal.AsBytes(_thresholds.AsSpan()));
            writer.Write(MemoryMarshal.AsBytes(_words.AsSpan(0, count * WordsPerRow)));
        });
    }

    /// <summary>Reads codes saved for <paramref name="store"/>; null when absent, damaged or for other rows.</summary>
    internal static BinaryCodes? TryLoad(IVectorStore store, StorageFolder folder)
    {
        int dim = store.Dimension, count = store.Count, words = (dim + 63) / 64;
        return ChecksummedFile.Read(folder, FileName, reader =>
        {
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic) || reader.ReadUInt32() != Version || reader.ReadInt32() != dim
                || reader.ReadInt32() != (int)store.Metric || reader.ReadInt32() != count)
            {
                return null;
            }

            float[] thresholds = new float[dim];
            reader.ReadExactly(MemoryMarshal.AsBytes(thresholds.AsSpan()));
            ulong[] bits = new ulong[(long)count * words];
            reader.ReadExactly(MemoryMarshal.AsBytes(bits.AsSpan()));
            return new BinaryCodes(store, thresholds, bits, count);
        });
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
