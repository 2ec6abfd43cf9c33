using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace VectorEngine.Quantization.Clustering;

/// <summary>
/// Centroids laid out for nearest-centroid search over many points at once: transposed into panels of 32 centroids
/// (panel[d][j]), so that a block of 6 points against a panel is a small matrix product held in 12 registers — the
/// shape of a GEMM micro-kernel, which is what FAISS reaches through BLAS. Minimising ½|c|² − x·c over c gives the
/// nearest centroid without |x|².
/// </summary>
/// <remarks>Measured on fashion-mnist (60k × 784, 980 centroids): one assignment pass is a 46 GFlop product.</remarks>
internal sealed unsafe class CentroidPanels : IDisposable
{
    /// <summary>Centroids per panel.</summary>
    public const int Width = 32;

    /// <summary>Points per micro-kernel call.</summary>
    private const int Rows = 6;

    /// <summary>Points whose running minima stay in cache while every panel passes over them.</summary>
    private const int ChunkRows = 96;

    private float* _panels;
    private readonly float[] _halfNorms;

    /// <summary>Packs <paramref name="count"/> dense rows of <paramref name="dimension"/> floats.</summary>
    /// <param name="centroids">The rows.</param>
    /// <param name="count">Rows.</param>
    /// <param name="dimension">Floats per row.</param>
    /// <param name="innerProduct">Find the largest inner product (−x·c is minimised) instead of the nearest in L2.</param>
    public CentroidPanels(ReadOnlySpan<float> centroids, int count, int dimension, bool innerProduct = false)
    {
        Count = count;
        Dimension = dimension;
        PanelCount = (count + Width - 1) / Width;
        _panels = (float*)NativeMemory.AlignedAlloc((nuint)((long)PanelCount * dimension * Width * sizeof(float)), 64);
        _halfNorms = new float[PanelCount * Width];
        for (int p = 0; p < PanelCount; p++)
        {
            float* panel = _panels + ((long)p * dimension * Width);
            for (int j = 0; j < Width; j++)
            {
                int c = (p * Width) + j;
                if (c >= count)
                {
                    // Padding centroids can never win.
                    for (int d = 0; d < dimension; d++)
                    {
                        panel[(d * Width) + j] = 0;
                    }

                    _halfNorms[c] = float.MaxValue;
                    continue;
                }

                ReadOnlySpan<float> row = centroids.Slice(c * dimension, dimension);
                double norm = 0;
                for (int d = 0; d < dimension; d++)
                {
                    panel[(d * Width) + j] = row[d];
                    norm += (double)row[d] * row[d];
                }

                _halfNorms[c] = innerProduct ? 0 : (float)(norm / 2);
            }
        }
    }

    /// <summary>Centroids packed.</summary>
    public int Count { get; }

    /// <summary>Floats per centroid.</summary>
    public int Dimension { get; }

    private int PanelCount { get; }

    /// <summary>
    /// Finds the nearest centroid of points [<paramref name="from"/>, <paramref name="to"/>); writes its index and
    /// ½|c|² − x·c (add ½|x|² and double for the squared distance).
    /// </summary>
    /// <param name="points">Row 0 of the points.</param>
    /// <param name="stride">Floats from one point to the next (at least <see cref="Dimension"/>).</param>
    /// <param name="from">First point.</param>
    /// <param name="to">One past the last point.</param>
    /// <param name="labels">Receives the nearest centroid per point (indexed by point).</param>
    /// <param name="scores">Receives ½|c|² − x·c per point (indexed by point).</param>
    public void Assign(float* points, int stride, int from, int to, int* labels, float* scores)
    {
        Span<float> bestScore = stackalloc float[ChunkRows * Width];
        Span<int> bestIndex = stackalloc int[ChunkRows * Width];
        for (int chunk = from; chunk < to; chunk += ChunkRows)
        {
            int rows = Math.Min(ChunkRows, to - chunk);
            bestScore[..(rows * Width)].Fill(float.MaxValue);
            bestIndex[..(rows * Width)].Clear();
            for (int p = 0; p < PanelCount; p++)
            {
                float* panel = _panels + ((long)p * Dimension * Width);
                for (int r = 0; r < rows; r += Rows)
                {
                    Block(points, stride, chunk, r, rows, panel, p, bestScore, bestIndex);
                }
            }

            for (int r = 0; r < rows; r++)
            {
                float best = float.MaxValue;
                int index = 0;
                for (int lane = 0; lane < Width; lane++)
                {
                    float score = bestScore[(r * Width) + lane];
                    int candidate = bestIndex[(r * Width) + lane];
                    if (score < best || (score == best && candidate < index))
                    {
                        best = score;
                        index = candidate;
                    }
                }

                labels[chunk + r] = index;
                scores[chunk + r] = best;
            }
        }
    }

    /// <summary>Scores up to 6 points of a chunk against one panel and keeps each lane's minimum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Block(float* points, int stride, int chunk, int r, int rows, float* panel, int p, Span<float> bestScore, Span<int> bestIndex)
    {
        // Rows past the chunk's end repeat its last row; their results are discarded.
        float* a0 = points + ((long)(chunk + r) * stride);
        float* a1 = points + ((long)(chunk + Math.Min(r + 1, rows - 1)) * stride);
        float* a2 = points + ((long)(chunk + Math.Min(r + 2, rows - 1)) * stride);
        float* a3 = points + ((long)(chunk + Math.Min(r + 3, rows - 1)) * stride);
        float* a4 = points + ((long)(chunk + Math.Min(r + 4, rows - 1)) * stride);
        float* a5 = points + ((long)(chunk + Math.Min(r + 5, rows - 1)) * stride);
        int valid = Math.Min(Rows, rows - r);
        if (Vector512.IsHardwareAccelerated)
        {
            Block512(a0, a1, a2, a3, a4, a5, valid, r, panel, p, bestScore, bestIndex);
        }
        else
        {
            Block256(a0, a1, a2, a3, a4, a5, valid, r, panel, p, bestScore, bestIndex, 0);
            Block256(a0, a1, a2, a3, a4, a5, valid, r, panel, p, bestScore, bestIndex, 16);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Block512(float* a0, float* a1, float* a2, float* a3, float* a4, float* a5, int valid, int r, float* panel, int p,
        Span<float> bestScore, Span<int> bestIndex)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int dim = Dimension;
        float* b = panel;
        for (int d = 0; d < dim; d++, b += Width)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16);
            Vector512<float> x = Vector512.Create(a0[d]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a1[d]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a2[d]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[d]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a4[d]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a5[d]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
        }

        ref float norms = ref MemoryMarshal.GetArrayDataReference(_halfNorms);
        Vector512<float> h0 = Vector512.LoadUnsafe(ref norms, (nuint)(p * Width));
        Vector512<float> h1 = Vector512.LoadUnsafe(ref norms, (nuint)((p * Width) + 16));
        Vector512<int> i0 = Vector512.Create(p * Width) + Vector512<int>.Indices;
        Vector512<int> i1 = i0 + Vector512.Create(16);
        Keep512(h0 - c00, h1 - c01, i0, i1, r, bestScore, bestIndex);
        if (valid > 1) Keep512(h0 - c10, h1 - c11, i0, i1, r + 1, bestScore, bestIndex);
        if (valid > 2) Keep512(h0 - c20, h1 - c21, i0, i1, r + 2, bestScore, bestIndex);
        if (valid > 3) Keep512(h0 - c30, h1 - c31, i0, i1, r + 3, bestScore, bestIndex);
        if (valid > 4) Keep512(h0 - c40, h1 - c41, i0, i1, r + 4, bestScore, bestIndex);
        if (valid > 5) Keep512(h0 - c50, h1 - c51, i0, i1, r + 5, bestScore, bestIndex);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Keep512(Vector512<float> s0, Vector512<float> s1, Vector512<int> i0, Vector512<int> i1, int row,
        Span<float> bestScore, Span<int> bestIndex)
    {
        ref float score = ref MemoryMarshal.GetReference(bestScore);
        ref int index = ref MemoryMarshal.GetReference(bestIndex);
        nuint at = (nuint)(row * Width);
        Vector512<float> b0 = Vector512.LoadUnsafe(ref score, at), b1 = Vector512.LoadUnsafe(ref score, at + 16);
        Vector512<int> m0 = Vector512.LessThan(s0, b0).AsInt32(), m1 = Vector512.LessThan(s1, b1).AsInt32();
        Vector512.Min(s0, b0).StoreUnsafe(ref score, at);
        Vector512.Min(s1, b1).StoreUnsafe(ref score, at + 16);
        Vector512.ConditionalSelect(m0, i0, Vector512.LoadUnsafe(ref index, at)).StoreUnsafe(ref index, at);
        Vector512.ConditionalSelect(m1, i1, Vector512.LoadUnsafe(ref index, at + 16)).StoreUnsafe(ref index, at + 16);
    }

    /// <summary>The same block with 256-bit registers, one half-panel (16 centroids) per call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Block256(float* a0, float* a1, float* a2, float* a3, float* a4, float* a5, int valid, int r, float* panel, int p,
        Span<float> bestScore, Span<int> bestIndex, int half)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int dim = Dimension;
        float* b = panel + half;
        for (int d = 0; d < dim; d++, b += Width)
        {
            Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8);
            Vector256<float> x = Vector256.Create(a0[d]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a1[d]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a2[d]);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a3[d]);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a4[d]);
            c40 = Vector256.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a5[d]);
            c50 = Vector256.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
        }

        int first = (p * Width) + half;
        ref float norms = ref MemoryMarshal.GetArrayDataReference(_halfNorms);
        Vector256<float> h0 = Vector256.LoadUnsafe(ref norms, (nuint)first);
        Vector256<float> h1 = Vector256.LoadUnsafe(ref norms, (nuint)(first + 8));
        Vector256<int> i0 = Vector256.Create(first) + Vector256<int>.Indices;
        Vector256<int> i1 = i0 + Vector256.Create(8);
        Keep256(h0 - c00, h1 - c01, i0, i1, r, half, bestScore, bestIndex);
        if (valid > 1) Keep256(h0 - c10, h1 - c11, i0, i1, r + 1, half, bestScore, bestIndex);
        if (valid > 2) Keep256(h0 - c20, h1 - c21, i0, i1, r + 2, half, bestScore, bestIndex);
        if (valid > 3) Keep256(h0 - c30, h1 - c31, i0, i1, r + 3, half, bestScore, bestIndex);
        if (valid > 4) Keep256(h0 - c40, h1 - c41, i0, i1, r + 4, half, bestScore, bestIndex);
        if (valid > 5) Keep256(h0 - c50, h1 - c51, i0, i1, r + 5, half, bestScore, bestIndex);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Keep256(Vector256<float> s0, Vector256<float> s1, Vector256<int> i0, Vector256<int> i1, int row, int half,
        Span<float> bestScore, Span<int> bestIndex)
    {
        ref float score = ref MemoryMarshal.GetReference(bestScore);
        ref int index = ref MemoryMarshal.GetReference(bestIndex);
        nuint at = (nuint)((row * Width) + half);
        Vector256<float> b0 = Vector256.LoadUnsafe(ref score, at), b1 = Vector256.LoadUnsafe(ref score, at + 8);
        Vector256<int> m0 = Vector256.LessThan(s0, b0).AsInt32(), m1 = Vector256.LessThan(s1, b1).AsInt32();
        Vector256.Min(s0, b0).StoreUnsafe(ref score, at);
        Vector256.Min(s1, b1).StoreUnsafe(ref score, at + 8);
        Vector256.ConditionalSelect(m0, i0, Vector256.LoadUnsafe(ref index, at)).StoreUnsafe(ref index, at);
        Vector256.ConditionalSelect(m1, i1, Vector256.LoadUnsafe(ref index, at + 8)).StoreUnsafe(ref index, at + 8);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_panels is not null)
        {
            NativeMemory.AlignedFree(_panels);
            _panels = null;
        }
    }
}
