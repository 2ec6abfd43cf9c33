using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VectorEngine.Indexing;
using VectorEngine.Indexing.Quantization;
using VectorEngine.Indexing.Scoring;
using VectorEngine.Quantization.Kernels;
using VectorEngine.Storage;

namespace VectorEngine.Quantization.Scalar;

/// <summary>
/// Int8 codes of a segment's vectors, one row per vector: the codes zero-padded to 16 bytes, with the row's two float
/// terms (Σ s²c², Σ c) in its last 8 bytes, so one row is one contiguous read. The kernel covers the codes rounded up
/// to 16; where that reaches into the terms, the query's weights there are zero, so they add nothing.
/// </summary>
internal sealed unsafe class Int8Codes : IQuantizedVectors
{
    /// <summary>Bytes of per-row terms at the end of each row.</summary>
    internal const int TermBytes = 8;

    /// <summary>The file in the segment folder.</summary>
    public const string FileName = "int8.codes";

    private const uint Version = 2;
    private const int HeaderBytes = 80;
    private static ReadOnlySpan<byte> Magic => "VEQINT81"u8;

    private readonly IVectorStore _store;
    private readonly Int8Parameters _parameters;
    private readonly Int8Codebook _codebook;
    private readonly Int8Choice _choice;
    private readonly List<nint> _retired = [];
    private byte* _rows;
    private int _capacity;
    private int _count;

    internal Int8Codes(IVectorStore store, Int8Parameters parameters, Int8Codebook codebook, Int8Choice choice)
    {
        _store = store;
        _parameters = parameters;
        _codebook = codebook;
        _choice = choice;
        Stride = StrideFor(store.Dimension, codebook.Outliers.Length);
        KernelLength = (store.Dimension + 15) & ~15;
    }

    /// <summary>Bytes per code row: the codes, the outlier dimensions' floats and the row's terms, rounded up to 16.</summary>
    internal static int StrideFor(int dimension, int outliers) => (dimension + (sizeof(float) * outliers) + TermBytes + 15) & ~15;

    /// <inheritdoc />
    public string Name => Int8QuantizerFactory.QuantizerName;

    /// <inheritdoc />
    public int Count => Volatile.Read(ref _count);

    /// <summary>Bytes from one row to the next.</summary>
    public int Stride { get; }

    /// <summary>Bytes the dot-product kernel covers per row.</summary>
    internal int KernelLength { get; }

    /// <inheritdoc />
    public int BytesPerVector => Stride;

    /// <inheritdoc />
    public long MemoryBytes => ((long)_capacity * Stride) + (2L * sizeof(float) * _codebook.Dimension) + (sizeof(int) * _codebook.Outliers.Length);

    internal Int8Codebook Codebook => _codebook;

    /// <summary>The ranges training chose and the recall it measured for them.</summary>
    internal Int8Choice Choice => _choice;

    /// <inheritdoc />
    /// <remarks>Measured at training: see <see cref="Int8Calibration"/>.</remarks>
    public double DefaultOversampling => _choice.Oversampling;

    /// <summary>Trains on a sample of <paramref name="store"/> (choosing what the parameters leave open) and encodes every row.</summary>
    internal static Int8Codes Train(IVectorStore store, Int8Parameters parameters)
    {
        (Int8Codebook codebook, Int8Choice choice) = Int8Calibration.Train(store, parameters);
        var codes = new Int8Codes(store, parameters, codebook, choice);
        codes.Add(0);
        return codes;
    }

    /// <inheritdoc />
    public void Add(uint fromOffset)
    {
        int from = Math.Max((int)fromOffset, _count);
        int to = _store.Count;
        if (to <= from)
        {
            return;
        }

        EnsureCapacity(to);
        byte* rows = _rows;
        int stride = Stride;
        Parallel.For(from, to, new ParallelOptions { MaxDegreeOfParallelism = to - from < 1024 ? 1 : -1 }, row => Encode(rows, stride, row));
        Volatile.Write(ref _count, to);
    }

    /// <summary>The int8 code of one row (for tests and diagnostics).</summary>
    /// <param name="offset">The row.</param>
    public ReadOnlySpan<sbyte> GetCode(uint offset) => new(_rows + ((nint)offset * Stride), _store.Dimension);

    /// <summary>The vector the code of one row stands for.</summary>
    /// <param name="offset">The row.</param>
    public float[] Decode(uint offset)
    {
        var vector = new float[_store.Dimension];
        _codebook.Decode(GetCode(offset), OutlierValues(_rows + ((nint)offset * Stride)), vector);
        return vector;
    }

    /// <summary>The outlier dimensions' floats of a row (unaligned: they follow the codes).</summary>
    private Span<float> OutlierValues(byte* row) => new(row + _store.Dimension, _codebook.Outliers.Length);

    /// <inheritdoc />
    public TResult Score<TUser, TResult>(ReadOnlySpan<float> query, ScratchBuffer scratch, ref TUser user)
        where TUser : struct, IScorerUser<TResult>
    {
        ArgumentNullException.ThrowIfNull(scratch);
        return _choice.PreciseQuery ? user.Use(PreparePrecise(query, scratch)) : user.Use(Prepare(query, scratch));
    }

    /// <inheritdoc />
    /// <remarks>
    /// Offered only for near-lossless codes: one range for every dimension (so row-to-row distances need no per-dimension
    /// weights), no float outlier dimension, and codes alone that found at least <see cref="MinRecallToLinkOn"/> of the
    /// float top 10 at training. Codes too few to measure (and so untrained) are not offered.
    /// </remarks>
    public bool TryUseRowSpace<TUser>(ref TUser user)
        where TUser : struct, IRowSpaceUser<bool>
    {
        if (!LinksLikeFloats)
        {
            return false;
        }

        return user.Use<Int8RowSpace, Int8RowScorer>(RowSpace());
    }

    /// <summary>The rows as a space (meaningful only with one scale and offset for every dimension and no outliers).</summary>
    internal Int8RowSpace RowSpace() =>
        new(_rows, Stride, _store.Dimension, _store.Metric == DistanceMetric.L2, _codebook.Scales[0], _codebook.Offsets[0]);

    /// <summary>Code recall@10 (no rescoring) at training from which a graph may be linked on the codes.</summary>
    internal const double MinRecallToLinkOn = 0.99;

    /// <summary>Whether row-to-row code distances rank neighbours as the floats do (see <see cref="TryUseRowSpace"/>).</summary>
    internal bool LinksLikeFloats =>
        _codebook.Outliers.Length == 0 && _choice.Recall >= MinRecallToLinkOn && _store.Dimension <= SignedBytePairs.MaxLength
        && _codebook.Scales.AsSpan().IndexOfAnyExcept(_codebook.Scales[0]) < 0
        && _codebook.Offsets.AsSpan().IndexOfAnyExcept(_codebook.Offsets[0]) < 0;

    /// <summary>Quantizes the query's weights to 8 bits into <paramref name="scratch"/> and folds the rest into the scorer's constants.</summary>
    internal Int8Scorer Prepare(ReadOnlySpan<float> query, ScratchBuffer scratch)
    {
        ArgumentNullException.ThrowIfNull(scratch);
        byte* weights = scratch.Get(KernelLength + OutlierBytes);
        float* outliers = (float*)(weights + KernelLength);
        QueryTerms terms = Quantize(query, weights, null, outliers);
        return new Int8Scorer(weights, _rows, Stride, KernelLength, terms.Constant, terms.NormWeight, terms.DotWeight, terms.SumWeight,
            new OutlierTerms(outliers, _store.Dimension, _codebook.Outliers.Length, terms.L2));
    }

    /// <summary>Quantizes the query's weights to 16 bits (a high and a low byte each) for <see cref="Int8PreciseScorer"/>.</summary>
    internal Int8PreciseScorer PreparePrecise(ReadOnlySpan<float> query, ScratchBuffer scratch)
    {
        ArgumentNullException.ThrowIfNull(scratch);
        byte* high = scratch.Get((2 * KernelLength) + OutlierBytes);
        byte* low = high + KernelLength;
        float* outliers = (float*)(low + KernelLength);
        QueryTerms terms = Quantize(query, high, low, outliers);
        return new Int8PreciseScorer(high, low, _rows, Stride, KernelLength, terms.Constant, terms.NormWeight, terms.DotWeight,
            terms.DotWeight / 255f, terms.SumWeight, new OutlierTerms(outliers, _store.Dimension, _codebook.Outliers.Length, terms.L2));
    }

    private int OutlierBytes => sizeof(float) * _codebook.Outliers.Length;

    /// <summary>
    /// Writes the query's weights as unsigned bytes (with <paramref name="low"/>, the rounding left by each high byte as a
    /// second byte, so the pair holds the weight to 16 bits) and returns the scorer's constants.
    /// </summary>
    /// <remarks>Fully optimised from the first call: at 784 dimensions two tier-0 passes cost more than the search.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private QueryTerms Quantize(ReadOnlySpan<float> query, byte* high, byte* low, float* outlierQuery)
    {
        int dim = _store.Dimension;
        bool l2 = _store.Metric == DistanceMetric.L2;
        float[] offsets = _codebook.Offsets, scales = _codebook.Scales;
        int[] outliers = _codebook.Outliers;
        bool[] outlier = _codebook.IsOutlier;
        double outlierConstant = 0;
        for (int i = 0; i < outliers.Length; i++)
        {
            // An outlier's code is 0, so its weight adds nothing to the dot product; its share of the constant is taken
            // back out here and its exact term added per row by the scorer.
            int d = outliers[i];
            outlierQuery[i] = query[d];
            float centred = l2 ? query[d] - offsets[d] : query[d];
            outlierConstant += l2 ? (double)centred * centred : -(double)query[d] * offsets[d];
        }

        // Two passes over the query: the first finds the weights' range (and the constant), the second quantizes them.
        float min = float.MaxValue, max = float.MinValue;
        double constant = 0;
        for (int d = 0; d < dim; d++)
        {
            float centred = l2 ? query[d] - offsets[d] : query[d];
            float w = centred * scales[d];
            if (!outlier[d])
            {
                // An outlier's weight meets only zero codes: it must not widen the others' step.
                min = MathF.Min(min, w);
                max = MathF.Max(max, w);
            }

            constant += l2 ? (double)centred * centred : -(double)query[d] * offsets[d];
        }

        // Equal weights (one coded dimension, or a query at the offsets) round exactly at any step, but the 16-bit
        // query's low byte cannot say "no residual" (it is off by 1/510 of a step): a step on their own scale keeps
        // that error relative instead of one whole unit.
        float step = max > min ? (max - min) / 255f : MathF.Max(MathF.Abs(max), 1e-30f) / 255f;
        float inverse = 1f / step;
        for (int d = 0; d < dim; d++)
        {
            float centred = l2 ? query[d] - offsets[d] : query[d];
            float u = ((centred * scales[d]) - min) * inverse;
            float rounded = Math.Clamp(MathF.Round(u), 0f, 255f);
            high[d] = (byte)rounded;
            if (low is not null)
            {
                // u - rounded is in [-1/2, 1/2]: shifted by 1/2 it maps onto 0..255 in steps of 1/255 of the high step.
                low[d] = (byte)Math.Clamp((int)MathF.Round((u - rounded + 0.5f) * 255f), 0, 255);
            }
        }

        new Span<byte>(high + dim, KernelLength - dim).Clear();
        float sumOffset = min;
        if (low is not null)
        {
            new Span<byte>(low + dim, KernelLength - dim).Clear();
            sumOffset -= step / 2;
        }

        float beta = l2 ? -2f : -1f;
        return new QueryTerms((float)(constant - outlierConstant), l2 ? 1f : 0f, beta * step, beta * sumOffset, l2);
    }

    private readonly record struct QueryTerms(float Constant, float NormWeight, float DotWeight, float SumWeight, bool L2);

    /// <inheritdoc />
    public void Save(StorageFolder folder)
    {
        int dim = _store.Dimension;
        int count = Count;

        // Streamed: the codes of a large segment are never copied into one array to be written.
        folder.WriteDurably(FileName, writer =>
        {
            Span<byte> header = stackalloc byte[HeaderBytes];
            header.Clear();
            Magic.CopyTo(header);
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Version);
            BinaryPrimitives.WriteInt32LittleEndian(header[12..], dim);
            BinaryPrimitives.WriteInt32LittleEndian(header[16..], count);
            BinaryPrimitives.WriteInt32LittleEndian(header[20..], Stride);
            BinaryPrimitives.WriteInt32LittleEndian(header[24..], (int)_store.Metric);
            BinaryPrimitives.WriteInt32LittleEndian(header[28..], (int)_parameters.Granularity);
            BinaryPrimitives.WriteDoubleLittleEndian(header[32..], _parameters.Quantile ?? double.NaN);
            BinaryPrimitives.WriteInt32LittleEndian(header[40..], _parameters.SampleSize);
            BinaryPrimitives.WriteInt32LittleEndian(header[44..], (int)_choice.Granularity);
            BinaryPrimitives.WriteDoubleLittleEndian(header[48..], _choice.Quantile);
            BinaryPrimitives.WriteDoubleLittleEndian(header[56..], _choice.Oversampling);
            BinaryPrimitives.WriteDoubleLittleEndian(header[64..], _choice.Recall);
            BinaryPrimitives.WriteInt32LittleEndian(header[72..], _choice.PreciseQuery ? 1 : 0);
            BinaryPrimitives.WriteInt32LittleEndian(header[76..], _codebook.Outliers.Length);
            writer.Write(header);
            writer.Write<float>(_codebook.Offsets.AsSpan(0, dim));
            writer.Write<float>(_codebook.Scales.AsSpan(0, dim));
            writer.Write<int>(_codebook.Outliers);
            const int RowsPerChunk = 4096;
            for (int start = 0; start < count; start += RowsPerChunk)
            {
                int rows = Math.Min(RowsPerChunk, count - start);
                writer.Write(new ReadOnlySpan<byte>(_rows + ((nint)start * Stride), rows * Stride));
            }
        });
    }

    /// <summary>Reads codes saved for <paramref name="store"/> with the same parameters; null when absent, damaged or different.</summary>
    internal static Int8Codes? TryLoad(IVectorStore store, Int8Parameters parameters, StorageFolder folder)
    {
        byte[]? file = folder.TryRead(FileName);
        if (file is null)
        {
            return null;
        }

        int dim = store.Dimension;
        if (file.Length < HeaderBytes + 4 || !file.AsSpan(0, 8).SequenceEqual(Magic))
        {
            return null;
        }

        ReadOnlySpan<byte> header = file.AsSpan(0, HeaderBytes);
        int outlierCount = BinaryPrimitives.ReadInt32LittleEndian(header[76..]);
        if (outlierCount < 0 || outlierCount > Int8Ranges.MaxOutliers)
        {
            return null;
        }

        int stride = StrideFor(dim, outlierCount);
        long expected = HeaderBytes + (8L * dim) + (4L * outlierCount) + ((long)store.Count * stride) + 4;
        if (file.Length != expected
            || BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != Version
            || BinaryPrimitives.ReadInt32LittleEndian(header[12..]) != dim
            || BinaryPrimitives.ReadInt32LittleEndian(header[16..]) != store.Count
            || BinaryPrimitives.ReadInt32LittleEndian(header[20..]) != stride
            || BinaryPrimitives.ReadInt32LittleEndian(header[24..]) != (int)store.Metric
            || BinaryPrimitives.ReadInt32LittleEndian(header[28..]) != (int)parameters.Granularity
            || !BinaryPrimitives.ReadDoubleLittleEndian(header[32..]).Equals(parameters.Quantile ?? double.NaN)
            || BinaryPrimitives.ReadInt32LittleEndian(header[40..]) != parameters.SampleSize)
        {
            return null;
        }

        int crcAt = file.Length - 4;
        if (Crc32C.Compute(file.AsSpan(0, crcAt)) != BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(crcAt)))
        {
            return null;
        }

        int position = HeaderBytes;
        float[] offsets = MemoryMarshal.Cast<byte, float>(file.AsSpan(position, 4 * dim)).ToArray();
        position += 4 * dim;
        float[] scales = MemoryMarshal.Cast<byte, float>(file.AsSpan(position, 4 * dim)).ToArray();
        position += 4 * dim;
        int[] outliers = MemoryMarshal.Cast<byte, int>(file.AsSpan(position, 4 * outlierCount)).ToArray();
        position += 4 * outlierCount;
        if (scales.Any(s => !(s > 0) || !float.IsFinite(s)) || offsets.Any(o => !float.IsFinite(o)) || outliers.Any(d => d < 0 || d >= dim))
        {
            return null;
        }

        var choice = new Int8Choice((Int8Granularity)BinaryPrimitives.ReadInt32LittleEndian(header[44..]), BinaryPrimitives.ReadDoubleLittleEndian(header[48..]),
            BinaryPrimitives.ReadDoubleLittleEndian(header[56..]), BinaryPrimitives.ReadDoubleLittleEndian(header[64..]),
            BinaryPrimitives.ReadInt32LittleEndian(header[72..]) == 1, outlierCount);
        if (!(choice.Oversampling >= 1.0 && choice.Oversampling <= Int8Calibration.Ladder[^1]))
        {
            return null;
        }

        var codes = new Int8Codes(store, parameters, new Int8Codebook(offsets, scales, outliers), choice);
        codes.EnsureCapacity(store.Count);
        file.AsSpan(position, store.Count * codes.Stride).CopyTo(new Span<byte>(codes._rows, store.Count * codes.Stride));
        codes._count = store.Count;
        return codes;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (nint block in _retired)
        {
            NativeMemory.AlignedFree((void*)block);
        }

        _retired.Clear();
        if (_rows is not null)
        {
            NativeMemory.AlignedFree(_rows);
            _rows = null;
        }
    }

    private void Encode(byte* rows, int stride, int row)
    {
        byte* start = rows + ((nint)row * stride);
        var code = new Span<sbyte>(start, stride);
        code.Clear();
        (float squaredNorm, float codeSum) = _codebook.Encode(_store.GetVector((uint)row), code, OutlierValues(start));
        float* terms = (float*)(start + stride - TermBytes);
        terms[0] = squaredNorm;
        terms[1] = codeSum;
    }

    private void EnsureCapacity(int rows)
    {
        if (rows <= _capacity)
        {
            return;
        }

        // Searches may be reading the old block: it is kept until Dispose rather than freed here.
        int capacity = Math.Max(rows, _capacity * 2);
        byte* grown = (byte*)NativeMemory.AlignedAlloc((nuint)((long)capacity * Stride), 64);
        if (_rows is not null)
        {
            Buffer.MemoryCopy(_rows, grown, (long)capacity * Stride, (long)_count * Stride);
            _retired.Add((nint)_rows);
        }

        _rows = grown;
        _capacity = capacity;
    }
}
