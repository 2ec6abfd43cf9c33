using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using VectorEngine.Indexing.Scoring;
using VectorEngine.Quantization.Kernels;

namespace VectorEngine.Quantization.Scalar;

/// <summary>
/// Approximate distance from a prepared query to an int8 code row: one integer dot product plus the row's two stored
/// terms. With x[d] = o[d] + s[d]·c[d] and query weights w[d] ≈ wo + ws·u[d] (u the 8-bit query code):
/// L2: |q − x|² = Σ(q − o)² + Σ s²c² − 2·(ws·Σu·c + wo·Σc) with w = (q − o)·s;
/// inner product: −q·x = −Σq·o − (ws·Σu·c + wo·Σc) with w = q·s.
/// Both are <c>constant + normWeight·Σs²c² + dotWeight·Σu·c + sumWeight·Σc</c>.
/// </summary>
internal readonly unsafe struct Int8Scorer : IVectorScorer
{
    private readonly byte* _query;
    private readonly byte* _rows;
    private readonly nint _stride;
    private readonly int _length;
    private readonly float _constant;
    private readonly float _normWeight;
    private readonly float _dotWeight;
    private readonly float _sumWeight;
    private readonly OutlierTerms _outliers;

    internal Int8Scorer(byte* query, byte* rows, int stride, int length, float constant, float normWeight, float dotWeight, float sumWeight,
        OutlierTerms outliers)
    {
        _outliers = outliers;
        _query = query;
        _rows = rows;
        _stride = stride;
        _length = length;
        _constant = constant;
        _normWeight = normWeight;
        _dotWeight = dotWeight;
        _sumWeight = sumWeight;
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Distance(uint offset)
    {
        byte* row = _rows + (offset * _stride);
        int dot = ByteDot.Dot(_query, (sbyte*)row, _length);
        float* terms = (float*)(row + _stride - Int8Codes.TermBytes);
        return _constant + (_normWeight * terms[0]) + (_dotWeight * dot) + (_sumWeight * terms[1]) + _outliers.Distance(row);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(uint offset)
    {
        if (Sse.IsSupported)
        {
            byte* row = _rows + (offset * _stride);
            Sse.Prefetch0(row);
            Sse.Prefetch0(row + 64);
        }
    }
}

/// <summary>
/// <see cref="Int8Scorer"/> with the query held to 16 bits as two byte planes, Σw·c ≈ step·Σhi·c + (step/255)·Σlo·c:
/// for data where 8 bits of query leave too little precision for the dimensions of small spread (a few dominant
/// dimensions), at the cost of a second multiply-add per code byte.
/// </summary>
internal readonly unsafe struct Int8PreciseScorer : IVectorScorer
{
    private readonly byte* _high;
    private readonly byte* _low;
    private readonly byte* _rows;
    private readonly nint _stride;
    private readonly int _length;
    private readonly float _constant;
    private readonly float _normWeight;
    private readonly float _highWeight;
    private readonly float _lowWeight;
    private readonly float _sumWeight;
    private readonly OutlierTerms _outliers;

    internal Int8PreciseScorer(byte* high, byte* low, byte* rows, int stride, int length, float constant, float normWeight, float highWeight,
        float lowWeight, float sumWeight, OutlierTerms outliers)
    {
        _outliers = outliers;
        _high = high;
        _low = low;
        _rows = rows;
        _stride = stride;
        _length = length;
        _constant = constant;
        _normWeight = normWeight;
        _highWeight = highWeight;
        _lowWeight = lowWeight;
        _sumWeight = sumWeight;
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Distance(uint offset)
    {
        byte* row = _rows + (offset * _stride);
        (int high, int low) = ByteDot.Dot2(_high, _low, (sbyte*)row, _length);
        float* terms = (float*)(row + _stride - Int8Codes.TermBytes);
        return _constant + (_normWeight * terms[0]) + (_highWeight * high) + (_lowWeight * low) + (_sumWeight * terms[1]) + _outliers.Distance(row);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(uint offset)
    {
        if (Sse.IsSupported)
        {
            byte* row = _rows + (offset * _stride);
            Sse.Prefetch0(row);
            Sse.Prefetch0(row + 64);
        }
    }
}

/// <summary>The exact share of the outlier dimensions (kept as floats after a row's codes) in the distance.</summary>
internal readonly unsafe struct OutlierTerms
{
    private readonly float* _query;
    private readonly nint _at;
    private readonly int _count;
    private readonly bool _l2;

    /// <summary>Creates the terms.</summary>
    /// <param name="query">The query's values at the outlier dimensions.</param>
    /// <param name="at">Byte offset of the outlier floats in a row (the dimension count).</param>
    /// <param name="count">Outlier dimensions.</param>
    /// <param name="l2">Squared L2 (true) or negative dot product.</param>
    internal OutlierTerms(float* query, int at, int count, bool l2)
    {
        _query = query;
        _at = at;
        _count = count;
        _l2 = l2;
    }

    /// <summary>Σ (q − x)² or −Σ q·x over the outlier dimensions of <paramref name="row"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Distance(byte* row)
    {
        float sum = 0;
        byte* values = row + _at;
        for (int i = 0; i < _count; i++)
        {
            float x = Unsafe.ReadUnaligned<float>(values + (i * sizeof(float)));
            float q = _query[i];
            sum += _l2 ? (q - x) * (q - x) : -(q * x);
        }

        return sum;
    }
}
