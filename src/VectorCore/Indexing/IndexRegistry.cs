namespace VectorEngine.Indexing;

/// <summary>
/// Index factories by name. Index packages add theirs through extension methods on <see cref="VectorDatabaseOptions"/>
/// (<c>options.UseHnsw()</c>), the way EF Core providers plug in; the flat index is always present.
/// </summary>
public sealed class IndexRegistry
{
    private readonly NamedFactories<IVectorIndexFactory> _factories = new(f => f.Name, "index type", "index", "none");

    /// <summary>Creates a registry holding the flat index.</summary>
    public IndexRegistry()
    {
        Register(new FlatIndexFactory());
    }

    /// <summary>The registered names.</summary>
    public IEnumerable<string> Names => _factories.Names;

    /// <summary>Adds or replaces a factory.</summary>
    /// <param name="factory">The factory.</param>
    public void Register(IVectorIndexFactory factory) => _factories.Register(factory);

    /// <summary>Finds a factory by name.</summary>
    /// <param name="name">The index type name.</param>
    /// <exception cref="VectorEngineArgumentException">No factory has that name.</exception>
    public IVectorIndexFactory Get(string name) => _factories.Get(name);
}
