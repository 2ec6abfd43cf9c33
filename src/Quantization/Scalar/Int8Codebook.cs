namespace VectorEngine.Quantization.Scalar;

/// <summary>
/// The trained affine map of int8 quantization: x[d] ≈ Offset[d] + Scale[d] · code[d], codes in [-127, 127], from the
/// range [lo, hi] of each dimension (or of all values) that <see cref="Int8Ranges"/> measured on a sample.
/// </summary>
internal sealed class Int8Codebook
{
    public const int MaxCode = 127;

    public Int8Codebook(float[] offsets, float[] scales, int[]? outliers = null)
    {
        Offsets = offsets;
        Scales = scales;
        Outliers = outliers ?? [];
        IsOutlier = new bool[offsets.Length];
        foreach (int d in Outliers)
        {
            IsOutlier[d] = true;
        }
    }

    /// <summary>Per dimension: whether it is one of <see cref="Outliers"/>.</summary>
    public bool[] IsOutlier { get; }

    public float[] Offsets { get; }

    public float[] Scales { get; }

    /// <summary>
    /// Dimensions kept as floats beside the codes (their code is 0): the few whose spread dwarfs the rest, whose 8-bit
    /// step would otherwise be larger than the whole signal of the other dimensions (LLM.int8()'s outlier features).
    /// </summary>
    public int[] Outliers { get; }

    public int Dimension => Offsets.Length;

    /// <summary>
    /// Encodes one vector, writing the outlier dimensions' values to <paramref name="outliers"/>; returns
    /// (Σ scale²·code², Σ code), the per-row terms the scorer needs.
    /// </summary>
    public (float SquaredNorm, float CodeSum) Encode(ReadOnlySpan<float> vector, Span<sbyte> code, Span<float> outliers)
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

        for (int i = 0; i < Outliers.Length; i++)
        {
            int d = Outliers[i];
            outliers[i] = vector[d];
            double scaled = (double)Scales[d] * code[d];
            squaredNorm -= scaled * scaled;
            codeSum -= code[d];
            code[d] = 0;
        }

        return ((float)squaredNorm, codeSum);
    }

    /// <summary>The vector a code (and its outlier values) stands for.</summary>
    public void Decode(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> outliers, Span<float> vector)
    {
        for (int d = 0; d < vector.Length; d++)
        {
            vector[d] = Offsets[d] + (Scales[d] * code[d]);
        }

        for (int i = 0; i < Outliers.Length; i++)
        {
            vector[Outliers[i]] = outliers[i];
        }
    }
}
