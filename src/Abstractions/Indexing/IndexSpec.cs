namespace VectorEngine.Indexing;

/// <summary>Which index type sealed segments use, by registered name, with its parameters.</summary>
/// <param name="Name">A name registered in the database's <c>IndexRegistry</c>.</param>
/// <param name="Parameters">Type-specific parameters as invariant-culture strings.</param>
public sealed record IndexSpec(string Name, IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>The exact flat index.</summary>
    public static IndexSpec Flat { get; } = new(FlatName, new Dictionary<string, string>());

    /// <summary>The name of the exact (flat) index every database knows.</summary>
    public const string FlatName = "flat";
}
