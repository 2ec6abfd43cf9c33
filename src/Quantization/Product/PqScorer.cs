using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using VectorEngine.Indexing.Scoring;
using VectorEngine.Quantization.Kernels;

namespace VectorEngine.Quantization.Product;

/// <summary>ADC distance from a prepared query table to a PQ code row: Σ_j table[j][code_j].</summary>
internal readonly unsafe struct PqScorer : IVectorScorer
{
    private readonly float* _table;
    private readonly byte* _rows;
    private readonly int _m;

    internal PqScorer(float* table, byte* rows, int m)
    {
        _table = table;
        _rows = rows;
        _m = m;
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Distance(uint offset) => AdcSum.Sum(_table, _rows + ((nint)offset * _m), _m);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(uint offset)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(_rows + ((nint)offset * _m));
        }
    }
}
