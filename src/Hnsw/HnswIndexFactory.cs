using VectorEngine.Indexing;
using VectorEngine.Indexing.Quantization;
using VectorEngine.Storage;

namespace VectorEngine.Hnsw;

/// <summary>Creates and loads <see cref="HnswIndex"/> instances; registered as "hnsw" by <c>options.UseHnsw()</c>.</summary>
/// <param name="quantizers">Where a quantized graph finds its quantizer; null allows only float graphs.</param>
public sealed class HnswIndexFactory(QuantizerRegistry? quantizers = null) : IVectorIndexFactory
{
    /// <inheritdoc />
    public string Name => HnswParameters.IndexName;

    /// <inheritdoc />
    public void Validate(IReadOnlyDictionary<string, string> parameters)
    {
        HnswParameters parsed = HnswParameters.Parse(parameters);
        if (parsed.Quantization is { } name)
        {
            Quantizer(name).Validate(parsed.QuantizerParameters);
        }
    }

    /// <inheritdoc />
    public void Validate(IReadOnlyDictionary<string, string> parameters, int dimension)
    {
        HnswParameters parsed = HnswParameters.Parse(parameters);
        if (parsed.Quantization is { } name)
        {
            Quantizer(name).Validate(parsed.QuantizerParameters, dimension);
        }
    }

    /// <inheritdoc />
    public IVectorIndex Build(IVectorStore store, IReadOnlyDictionary<string, string> parameters)
    {
        HnswParameters parsed = HnswParameters.Parse(parameters);
        return HnswIndex.Build(store, parsed, parsed.Quantization is { } name ? Quantizer(name) : null);
    }

    /// <inheritdoc />
    public IVectorIndex? Load(IVectorStore store, IReadOnlyDictionary<string, string> parameters, StorageFolder folder)
    {
        HnswParameters parsed = HnswParameters.Parse(parameters);
        return HnswIndex.Load(store, parsed, folder, parsed.Quantization is { } name ? Quantizer(name) : null);
    }

    /// <inheritdoc />
    /// <remarks>
    /// A graph that already traverses codes loads as it is; a float graph loads with <paramref name="quantization"/>
    /// codes (trained and saved beside it on first use), so warm searches traverse codes and rescore from disk.
    /// </remarks>
    public IVectorIndex? LoadCompressed(IVectorStore store, IReadOnlyDictionary<string, string> parameters, StorageFolder folder, string quantization)
    {
        HnswParameters parsed = HnswParameters.Parse(parameters);
        if (parsed.Quantization is { } name)
        {
            return HnswIndex.Load(store, parsed, folder, Quantizer(name));
        }

        var withCodes = new Dictionary<string, string>(parameters, StringComparer.Ordinal) { ["quantization"] = quantization };
        HnswParameters compressed = HnswParameters.Parse(withCodes);
        IQuantizerFactory quantizer = Quantizer(quantization);
        quantizer.Validate(compressed.QuantizerParameters, store.Dimension);
        return HnswIndex.Load(store, compressed, folder, quantizer);
    }

    private IQuantizerFactory Quantizer(string name) =>
        quantizers is null
            ? throw new VectorEngineArgumentException($"HNSW quantization '{name}' needs a quantizer registry (options.UseHnsw() passes one).", "index")
            : quantizers.Get(name);
}
