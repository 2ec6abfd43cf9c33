namespace VectorEngine.Indexing;

/// <summary>Which index type sealed segments use, by registered name, with its parameters.</summary>
/// <param name="Name">A name registered in the database's <see cref="IndexRegistry"/>.</param>
/// <param name="Parameters">Type-specific parameters as invariant-culture strings.</param>
public sealed record IndexSpec(string Name, IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>The exact flat index.</summary>
    public static IndexSpec Flat { get; } = new(FlatIndexFactory.IndexName, new Dictionary<string, string>());
}
