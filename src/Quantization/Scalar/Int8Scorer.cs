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

    internal Int8Scorer(byte* query, byte* rows, int stride, int length, float constant, float normWeight, float dotWeight, float sumWeight)
    {
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
        return _constant + (_normWeight * terms[0]) + (_dotWeight * dot) + (_sumWeight * terms[1]);
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
