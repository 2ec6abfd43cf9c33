using VectorEngine.Indexing;

namespace VectorEngine.Quantization.Scalar;

/// <summary>
/// The trained affine map of int8 quantization: x[d] ≈ Offset[d] + Scale[d] · code[d], codes in [-127, 127]. The
/// range [lo, hi] of each dimension (or of all values, per collection) is the central <c>quantile</c> of a sample.
/// </summary>
internal sealed class Int8Codebook
{
    public const int MaxCode = 127;

    public Int8Codebook(float[] offsets, float[] scales)
    {
        Offsets = offsets;
        Scales = scales;
    }

    public float[] Offsets { get; }

    public float[] Scales { get; }

    public int Dimension => Offsets.Length;

    public static Int8Codebook Train(IVectorStore store, Int8Parameters parameters)
    {
        int dim = store.Dimension;
        int n = Math.Min(store.Count, parameters.SampleSize);
        var offsets = new float[dim];
        var scales = new float[dim];
        if (n == 0)
        {
            Array.Fill(scales, 1f);
            return new Int8Codebook(offsets, scales);
        }

        // Evenly spaced rows: deterministic, and spread over the whole segment rather than its first inserts.
        uint[] rows = Enumerable.Range(0, n).Select(i => (uint)((long)i * store.Count / n)).ToArray();
        if (parameters.PerDimension)
        {
            Parallel.For(0, dim, d =>
            {
                var values = new float[n];
                for (int i = 0; i < n; i++)
                {
                    values[i] = store.GetVector(rows[i])[d];
                }

                (offsets[d], scales[d]) = Range(values, parameters.Quantile);
            });
        }
        else
        {
            // One range for every value; at most ~2M values are enough to place two quantiles.
            int step = Math.Max(1, (int)((long)n * dim / 2_000_000));
            var values = new List<float>();
            for (long k = 0; k < (long)n * dim; k += step)
            {
                values.Add(store.GetVector(rows[k / dim])[(int)(k % dim)]);
            }

            (float offset, float scale) = Range(values.ToArray(), parameters.Quantile);
            Array.Fill(offsets, offset);
            Array.Fill(scales, scale);
        }

        return new Int8Codebook(offsets, scales);
    }

    /// <summary>Encodes one vector; returns (Σ scale²·code², Σ code), the per-row terms the scorer needs.</summary>
    public (float SquaredNorm, float CodeSum) Encode(ReadOnlySpan<float> vector, Span<sbyte> code)
    {
        double squaredNorm = 0;
        long codeSum = 0;
        for (int d = 0; d < vector.Length; d++)
        {
            float value = (vector[d] - Offsets[d]) / Scales[d];
            int c = (int)Math.Clamp(MathF.Round(value), -MaxCode, MaxCode);
            code[d] = (sbyte)c;
            double scaled = (double)Scales[d] * c;
            squaredNorm += scaled * scaled;
            codeSum += c;
        }

        return ((float)squaredNorm, codeSum);
    }

    /// <summary>The vector a code stands for.</summary>
    public void Decode(ReadOnlySpan<sbyte> code, Span<float> vector)
    {
        for (int d = 0; d < vector.Length; d++)
        {
            vector[d] = Offsets[d] + (Scales[d] * code[d]);
        }
    }

    private static (float Offset, float Scale) Range(float[] values, double quantile)
    {
        Array.Sort(values);
        double tail = (1.0 - quantile) / 2.0;
        float lo = values[(int)Math.Floor(tail * (values.Length - 1))];
        float hi = values[(int)Math.Ceiling((1.0 - tail) * (values.Length - 1))];
        float scale = hi > lo ? (hi - lo) / (2 * MaxCode) : 1f;
        return ((lo + hi) / 2, scale);
    }
}
