using VectorEngine.Indexing;

namespace VectorEngine.Hnsw;

/// <summary>Plugs HNSW into a database, the way EF Core providers plug in (<c>options.UseHnsw()</c>).</summary>
public static class HnswOptionsExtensions
{
    /// <summary>
    /// Registers the "hnsw" index type and makes it the index of sealed segments for collections created without an
    /// explicit <see cref="CollectionOptions.Index"/>.
    /// </summary>
    /// <param name="options">The database options.</param>
    /// <param name="parameters">Default graph parameters; null uses <see cref="HnswParameters"/>' defaults.</param>
    /// <returns>The same options, for chaining.</returns>
    public static VectorDatabaseOptions UseHnsw(this VectorDatabaseOptions options, HnswParameters? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        HnswParameters checkedParameters = (parameters ?? new HnswParameters()).Validate();
        options.Indexes.Register(new HnswIndexFactory(options.Quantizers));
        options.DefaultIndex = Spec(checkedParameters);
        return options;
    }

    /// <summary>An index spec for <see cref="CollectionOptions.Index"/> that asks for HNSW with these parameters.</summary>
    /// <param name="parameters">The graph parameters; null uses the defaults.</param>
    public static IndexSpec Spec(HnswParameters? parameters = null) =>
        (parameters ?? new HnswParameters()).ToSpec();
}
