namespace VectorEngine.Indexing.Quantization;

/// <summary>
/// A quantizer's typed parameters: which registered quantizer, and its settings as stored in a collection's config.
/// <see cref="Hnsw.HnswParameters.Quantizer"/> takes one, so callers never spell a quantizer's keys.
/// </summary>
public interface IQuantizerParameters
{
    /// <summary>The registered quantizer name ("int8", "pq", "binary").</summary>
    string QuantizerName { get; }

    /// <summary>The parameters as stored in a collection config (invariant-culture strings).</summary>
    IReadOnlyDictionary<string, string> ToDictionary();
}
