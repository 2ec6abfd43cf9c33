namespace VectorEngine.Quantization.Scalar;

/// <summary>How int8 code ranges are laid over the dimensions.</summary>
public enum Int8Granularity
{
    /// <summary>
    /// Chosen when the codes are trained: one range per dimension or per collection, each with the quantiles 1, 0.9999,
    /// 0.999 and 0.99 (or the one set), with and without the few dimensions of dominant spread kept as floats, are tried
    /// on a sample (held-out rows as queries, the float top 10 as the truth), and the codes that find the most of the
    /// true neighbours win; the same measurement sets the default oversampling. One range clipped at the 0.99 quantile
    /// (the old default) lost 30-80% of recall on data whose first dimensions carry most of the variance, and one range
    /// per dimension lost up to 25% on data with a few dominant dimensions: no one choice holds on every spectrum.
    /// </summary>
    Auto,

    /// <summary>One range for every value of the collection (Qdrant's scalar quantization).</summary>
    Collection,

    /// <summary>One range per dimension (FAISS's SQ8).</summary>
    Dimension,
}
