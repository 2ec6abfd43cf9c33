using System.Numerics.Tensors;
using VectorEngine.Quantization.Clustering;

namespace VectorEngine.Quantization.Product;

/// <summary>
/// Trained PQ codebooks: the vector is cut into m sub-vectors of dim/m floats, and each is replaced by the index of
/// its nearest of 256 centroids. Distances to a query are then sums of m table lookups (asymmetric distance
/// computation: the query stays in floats).
/// </summary>
internal sealed unsafe class ProductQuantizer
{
    /// <summary>Centroids per sub-quantizer (8-bit codes).</summary>
    public const int Centroids = 256;

    private readonly float[] _transposed;
    private readonly float[] _norms;

    /// <summary>Creates a quantizer from trained codebooks laid out [m][256][dim/m].</summary>
    public ProductQuantizer(int dimension, int subQuantizers, float[] codebooks)
    {
        Dimension = dimension;
        SubQuantizers = subQuantizers;
        SubDimension = dimension / subQuantizers;
        Codebooks = codebooks;

        // The query tables walk each sub-space one dimension at a time across all 256 centroids.
        _transposed = new float[codebooks.Length];
        _norms = new float[subQuantizers * Centroids];
        for (int j = 0; j < subQuantizers; j++)
        {
            for (int c = 0; c < Centroids; c++)
            {
                ReadOnlySpan<float> centroid = codebooks.AsSpan(((j * Centroids) + c) * SubDimension, SubDimension);
                _norms[(j * Centroids) + c] = TensorPrimitives.Dot(centroid, centroid);
                for (int d = 0; d < SubDimension; d++)
                {
                    _transposed[(((j * SubDimension) + d) * Centroids) + c] = centroid[d];
                }
            }
        }
    }

    /// <summary>Floats per vector.</summary>
    public int Dimension { get; }

    /// <summary>m: code bytes per vector.</summary>
    public int SubQuantizers { get; }

    /// <summary>Floats per sub-vector.</summary>
    public int SubDimension { get; }

    /// <summary>Centroids, [m][256][dim/m].</summary>
    public float[] Codebooks { get; }

    /// <summary>Floats in one ADC table (m × 256).</summary>
    public int TableLength => SubQuantizers * Centroids;

    /// <summary>Trains one k-means per sub-space on <paramref name="sample"/>; sub-spaces run in parallel.</summary>
    public static ProductQuantizer Train(KMeans.Matrix sample, int subQuantizers, int iterations, int seed, int threads)
    {
        int dim = sample.Dimension, sub = dim / subQuantizers, n = sample.Rows;
        float[] codebooks = new float[subQuantizers * Centroids * sub];
        var parallel = Parallelism.Options(threads);
        Parallel.For(0, subQuantizers, parallel, j =>
        {
            float[] part = Slice(sample, j * sub, sub);
            fixed (float* rows = part)
            {
                // Each sub-space is small; parallelism comes from running the m of them side by side.
                float[] centroids = KMeans.Train(rows, n, sub, sub, Centroids, iterations, seed + j, threads: 1);
                centroids.CopyTo(codebooks, j * Centroids * sub);
            }
        });

        return new ProductQuantizer(dim, subQuantizers, codebooks);
    }

    /// <summary>Codes for every row of <paramref name="rows"/>, m bytes per row, into <paramref name="codes"/>.</summary>
    public void Encode(KMeans.Matrix rows, byte[] codes, int threads)
    {
        int n = rows.Rows, m = SubQuantizers, sub = SubDimension;
        var parallel = Parallelism.Options(threads);
        Parallel.For(0, m, parallel, j =>
        {
            float[] part = Slice(rows, j * sub, sub);
            int[] labels = new int[n];
            float[] scores = new float[n];
            using var panels = new CentroidPanels(Codebooks.AsSpan(j * Centroids * sub, Centroids * sub), Centroids, sub);
            fixed (float* p = part)
            fixed (int* l = labels)
            fixed (float* s = scores)
            {
                panels.Assign(p, sub, 0, n, l, s);
            }

            for (int i = 0; i < n; i++)
            {
                codes[((long)i * m) + j] = (byte)labels[i];
            }
        });
    }

    /// <summary>The vector a code stands for.</summary>
    public void Decode(ReadOnlySpan<byte> code, Span<float> vector)
    {
        int sub = SubDimension;
        for (int j = 0; j < SubQuantizers; j++)
        {
            Codebooks.AsSpan(((j * Centroids) + code[j]) * sub, sub).CopyTo(vector.Slice(j * sub, sub));
        }
    }

    /// <summary>table[j·256 + c] = |q_j − C_jc|² (squared L2 ADC): |q_j|² + |C_jc|² − 2 q_j·C_jc.</summary>
    public void SquaredL2Table(ReadOnlySpan<float> query, float* table)
    {
        int sub = SubDimension;
        for (int j = 0; j < SubQuantizers; j++)
        {
            ReadOnlySpan<float> q = query.Slice(j * sub, sub);
            var row = new Span<float>(table + (j * Centroids), Centroids);
            TensorPrimitives.Add(_norms.AsSpan(j * Centroids, Centroids), TensorPrimitives.Dot(q, q), row);
            Accumulate(j, q, -2f, row);
        }
    }

    /// <summary>table[j·256 + c] = <paramref name="scale"/> · q_j·C_jc (inner-product ADC).</summary>
    public void DotTable(ReadOnlySpan<float> query, float scale, float* table)
    {
        int sub = SubDimension;
        for (int j = 0; j < SubQuantizers; j++)
        {
            var row = new Span<float>(table + (j * Centroids), Centroids);
            row.Clear();
            Accumulate(j, query.Slice(j * sub, sub), scale, row);
        }
    }

    /// <summary>row[c] += scale · q·C_jc, one dimension at a time over the transposed codebook (256 centroids per SIMD pass).</summary>
    private void Accumulate(int j, ReadOnlySpan<float> q, float scale, Span<float> row)
    {
        int sub = SubDimension;
        for (int d = 0; d < sub; d++)
        {
            TensorPrimitives.MultiplyAdd(_transposed.AsSpan(((j * sub) + d) * Centroids, Centroids), scale * q[d], row, row);
        }
    }

    /// <summary>One sub-space of every row, dense.</summary>
    private static float[] Slice(KMeans.Matrix rows, int from, int length)
    {
        float[] part = new float[(long)rows.Rows * length];
        for (int i = 0; i < rows.Rows; i++)
        {
            rows.Row(i).Slice(from, length).CopyTo(part.AsSpan(i * length, length));
        }

        return part;
    }
}
