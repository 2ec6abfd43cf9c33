namespace VectorEngine.Indexing.Quantization;

/// <summary>
/// Quantizers by name. The quantization package adds its own (<c>options.UseQuantization()</c>); indexes that can
/// traverse codes (HNSW) look them up here, so neither package references the other.
/// </summary>
public sealed class QuantizerRegistry
{
    private readonly NamedFactories<IQuantizerFactory> _factories =
        new(f => f.Name, "quantizer", "quantization", "none (call options.UseQuantization())");

    /// <summary>The registered names.</summary>
    public IEnumerable<string> Names => _factories.Names;

    /// <summary>Adds or replaces a factory.</summary>
    /// <param name="factory">The factory.</param>
    public void Register(IQuantizerFactory factory) => _factories.Register(factory);

    /// <summary>Finds a factory by name.</summary>
    /// <param name="name">The quantizer name.</param>
    /// <exception cref="VectorEngineArgumentException">No factory has that name.</exception>
    public IQuantizerFactory Get(string name) => _factories.Get(name);
}
