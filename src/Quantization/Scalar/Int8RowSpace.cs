using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using VectorEngine.Indexing.Scoring;
using VectorEngine.Quantization.Kernels;

namespace VectorEngine.Quantization.Scalar;

/// <summary>
/// Int8 code rows scored against one another, for codes with one affine map for every dimension (x ≈ o + s·c):
/// squared L2 is s²·Σ(a − b)², and the negated dot product −(n·o² + s·o·(Σa + Σb) + s²·Σa·b), with each row's Σc read
/// from its terms. A graph build links on these at a quarter of the float rows' bytes.
/// </summary>
internal readonly unsafe struct Int8RowSpace(byte* rows, int stride, int dimension, bool l2, float scale, float offset) : IRowSpace<Int8RowScorer>
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Int8RowScorer From(uint row) => new(rows + ((nint)row * stride), rows, stride, dimension, l2, scale, offset);
}

/// <summary>One code row against the others (see <see cref="Int8RowSpace"/>).</summary>
internal readonly unsafe struct Int8RowScorer : IVectorScorer
{
    private readonly sbyte* _query;
    private readonly byte* _rows;
    private readonly nint _stride;
    private readonly int _dimension;
    private readonly bool _l2;
    private readonly float _squaredScale;
    private readonly float _constant;
    private readonly float _sumWeight;

    public Int8RowScorer(byte* query, byte* rows, int stride, int dimension, bool l2, float scale, float offset)
    {
        _query = (sbyte*)query;
        _rows = rows;
        _stride = stride;
        _dimension = dimension;
        _l2 = l2;
        _squaredScale = scale * scale;

        // The negated dot's parts that do not depend on the other row's codes, and the weight of its Σc.
        float querySum = CodeSum(query, stride);
        _constant = -((dimension * offset * offset) + (scale * offset * querySum));
        _sumWeight = -(scale * offset);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Distance(uint offset)
    {
        byte* row = _rows + (offset * _stride);
        if (_l2)
        {
            return _squaredScale * SignedBytePairs.SquaredDistance(_query, (sbyte*)row, _dimension);
        }

        return _constant + (_sumWeight * CodeSum(row, _stride)) - (_squaredScale * SignedBytePairs.Dot(_query, (sbyte*)row, _dimension));
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(uint offset)
    {
        if (Sse.IsSupported)
        {
            byte* row = _rows + (offset * _stride);
            Sse.Prefetch0(row);
            if (_stride > 64)
            {
                Sse.Prefetch0(row + 64);
            }
        }
    }

    /// <summary>A row's Σc, the second of its two float terms at its end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float CodeSum(byte* row, nint stride) => ((float*)(row + stride - Int8Codes.TermBytes))[1];
}
