using VectorEngine.Indexing;

namespace VectorEngine.Quantization.Ivf;

/// <summary>Plugs the IVF index into a database (<c>options.UseIvf()</c>).</summary>
public static class IvfOptionsExtensions
{
    /// <summary>
    /// Registers the "ivf" index type and makes it the index of sealed segments for collections created without an
    /// explicit <see cref="CollectionOptions.Index"/>.
    /// </summary>
    /// <param name="options">The database options.</param>
    /// <param name="parameters">Default IVF parameters; null uses <see cref="IvfParameters"/>' defaults (IVF-Flat).</param>
    /// <returns>The same options, for chaining.</returns>
    public static VectorDatabaseOptions UseIvf(this VectorDatabaseOptions options, IvfParameters? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        IndexSpec spec = Spec(parameters);
        options.Indexes.Register(new IvfIndexFactory());
        options.DefaultIndex = spec;
        return options;
    }

    /// <summary>An index spec for <see cref="CollectionOptions.Index"/> that asks for IVF with these parameters.</summary>
    /// <param name="parameters">The IVF parameters; null uses the defaults.</param>
    public static IndexSpec Spec(IvfParameters? parameters = null) =>
        (parameters ?? new IvfParameters()).ToSpec();
}
