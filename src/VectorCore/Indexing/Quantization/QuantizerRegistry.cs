using System.Collections.Concurrent;

namespace VectorEngine.Indexing.Quantization;

/// <summary>
/// Quantizers by name. The quantization package adds its own (<c>options.UseQuantization()</c>); indexes that can
/// traverse codes (HNSW) look them up here, so neither package references the other.
/// </summary>
public sealed class QuantizerRegistry
{
    private readonly ConcurrentDictionary<string, IQuantizerFactory> _factories = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The registered names.</summary>
    public IEnumerable<string> Names => _factories.Keys;

    /// <summary>Adds or replaces a factory.</summary>
    /// <param name="factory">The factory.</param>
    public void Register(IQuantizerFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _factories[factory.Name] = factory;
    }

    /// <summary>Finds a factory by name.</summary>
    /// <param name="name">The quantizer name.</param>
    /// <exception cref="VectorEngineArgumentException">No factory has that name.</exception>
    public IQuantizerFactory Get(string name)
    {
        if (name is null || !_factories.TryGetValue(name, out IQuantizerFactory? factory))
        {
            string known = _factories.IsEmpty ? "none (call options.UseQuantization())" : string.Join(", ", _factories.Keys.Order());
            throw new VectorEngineArgumentException($"Unknown quantizer '{name}'. Registered: {known}.", "quantization");
        }

        return factory;
    }
}
