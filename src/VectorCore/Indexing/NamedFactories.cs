using System.Collections.Concurrent;

namespace VectorEngine.Indexing;

/// <summary>
/// Factories by case-insensitive name: the storage and lookup behind <see cref="IndexRegistry"/> and
/// <see cref="Quantization.QuantizerRegistry"/>, which differ only in what they hold and how a miss is explained.
/// </summary>
/// <typeparam name="TFactory">The factory type.</typeparam>
/// <param name="nameOf">A factory's name.</param>
/// <param name="kind">What a name names, for errors ("index type", "quantizer").</param>
/// <param name="paramName">The parameter an unknown name is reported against.</param>
/// <param name="whenEmpty">What to list when nothing is registered.</param>
internal sealed class NamedFactories<TFactory>(Func<TFactory, string> nameOf, string kind, string paramName, string whenEmpty)
    where TFactory : class
{
    private readonly ConcurrentDictionary<string, TFactory> _factories = new(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<string> Names => _factories.Keys;

    public void Register(TFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _factories[nameOf(factory)] = factory;
    }

    public TFactory Get(string name)
    {
        if (name is null || !_factories.TryGetValue(name, out TFactory? factory))
        {
            string known = _factories.IsEmpty ? whenEmpty : string.Join(", ", _factories.Keys.Order());
            throw new VectorEngineArgumentException($"Unknown {kind} '{name}'. Registered: {known}.", paramName);
        }

        return factory;
    }
}
