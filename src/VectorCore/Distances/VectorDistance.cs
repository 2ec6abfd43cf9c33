using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using VectorEngine.Distances.Engine;
using VectorEngine.Diagnostics;

namespace VectorEngine;

/// <summary>
/// SIMD distance kernels over float32 vectors of any length. Each picks the widest accelerated width
/// (Vector512, Vector256, Vector128, scalar) at run time.
/// </summary>
/// <remarks>
/// Kernels were chosen by measurement (bench/VectorEngine.Benchmarks, <c>DistanceBenchmarks</c>): the hand-written
/// four-accumulator loops beat TensorPrimitives for squared L2 (TensorPrimitives has no squared distance, and
/// <c>Distance</c> adds a square root) and match it for the dot product.
/// </remarks>
public static class VectorDistance
{
    /// <summary>Squared Euclidean distance, sum of (a[i] - b[i])^2.</summary>
    /// <param name="a">First vector.</param>
    /// <param name="b">Second vector, the same length as <paramref name="a"/>.</param>
    /// <exception cref="DimensionMismatchException">The lengths differ.</exception>
    public static float SquaredL2(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckLengths(a.Length, b.Length);
        return PairwiseAggregate.Invoke<L2SquaredKernel>(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), a.Length);
    }

    /// <summary>Inner (dot) product, sum of a[i] * b[i].</summary>
    /// <param name="a">First vector.</param>
    /// <param name="b">Second vector, the same length as <paramref name="a"/>.</param>
    /// <exception cref="DimensionMismatchException">The lengths differ.</exception>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckLengths(a.Length, b.Length);
        return PairwiseAggregate.Invoke<DotKernel>(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), a.Length);
    }

    /// <summary>Cosine similarity of two vectors that need not be normalised; 0 when either has zero norm.</summary>
    /// <param name="a">First vector.</param>
    /// <param name="b">Second vector, the same length as <paramref name="a"/>.</param>
    /// <exception cref="DimensionMismatchException">The lengths differ.</exception>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckLengths(a.Length, b.Length);
        float dot = Dot(a, b);
        float norms = MathF.Sqrt(Dot(a, a)) * MathF.Sqrt(Dot(b, b));
        return norms == 0 ? 0 : dot / norms;
    }

    /// <summary>The internal distance for <paramref name="metric"/>: squared L2, or the negated dot product.</summary>
    /// <param name="metric">The metric; for cosine both vectors must already be normalised.</param>
    /// <param name="a">First vector.</param>
    /// <param name="b">Second vector.</param>
    public static float Distance(DistanceMetric metric, ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        metric == DistanceMetric.L2 ? SquaredL2(a, b) : -Dot(a, b);

    /// <summary>
    /// Scores one query against <paramref name="distances"/>.Length rows of a row-major block (row r starts at
    /// r * <paramref name="stride"/>), writing internal distances (smaller is closer).
    /// </summary>
    /// <param name="metric">The metric; for cosine, query and rows must be normalised.</param>
    /// <param name="query">The query vector.</param>
    /// <param name="block">The rows.</param>
    /// <param name="stride">Floats from one row's start to the next; at least the query length.</param>
    /// <param name="distances">One output per row.</param>
    /// <exception cref="ArgumentException">The block is too short for the rows asked for, or the stride is too small.</exception>
    public static void Distances(DistanceMetric metric, ReadOnlySpan<float> query, ReadOnlySpan<float> block, int stride, Span<float> distances)
    {
        if (stride < query.Length)
        {
            ThrowHelper.ThrowArgument(nameof(stride), $"Stride {stride} is shorter than the query ({query.Length}).");
        }

        if (distances.Length > 0 && (long)(distances.Length - 1) * stride + query.Length > block.Length)
        {
            ThrowHelper.ThrowArgument(nameof(block), $"Block of {block.Length} floats is too short for {distances.Length} rows of stride {stride}.");
        }

        ref float q = ref MemoryMarshal.GetReference(query);
        ref float rows = ref MemoryMarshal.GetReference(block);
        if (metric == DistanceMetric.L2)
        {
            OneToMany.Invoke<L2SquaredKernel>(ref q, ref rows, query.Length, stride, distances);
        }
        else
        {
            OneToMany.Invoke<NegativeDotKernel>(ref q, ref rows, query.Length, stride, distances);
        }
    }

    /// <summary>Scales <paramref name="vector"/> to unit length in place; a zero vector is left as it is.</summary>
    /// <param name="vector">The vector to normalise.</param>
    public static void Normalize(Span<float> vector)
    {
        float norm = TensorPrimitives.Norm(vector);
        if (norm > 0 && float.IsFinite(norm))
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }
    }

    private static void CheckLengths(int a, int b)
    {
        if (a != b)
        {
            ThrowHelper.ThrowDimensionMismatch(a, b);
        }
    }
}
