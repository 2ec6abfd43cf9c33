using System.Text.RegularExpressions;
using VectorEngine.Indexing;

namespace VectorEngine;

/// <summary>What a collection is: dimension, metric, index type and declared payload indexes.</summary>
public sealed partial class CollectionOptions
{
    /// <summary>The largest dimension accepted.</summary>
    public const int MaxDimension = 65_536;

    /// <summary>Creates options.</summary>
    /// <param name="dimension">Floats per vector, 1 to <see cref="MaxDimension"/>.</param>
    /// <param name="metric">How vectors are compared.</param>
    public CollectionOptions(int dimension, DistanceMetric metric)
    {
        Dimension = dimension;
        Metric = metric;
    }

    /// <summary>Floats per vector.</summary>
    public int Dimension { get; }

    /// <summary>How vectors are compared.</summary>
    public DistanceMetric Metric { get; }

    /// <summary>
    /// The index sealed segments use. Null (the default) takes the database's <c>VectorDatabaseOptions.DefaultIndex</c>
    /// when the collection is created: the exact flat index, or HNSW once <c>options.UseHnsw()</c> has been called.
    /// </summary>
    public IndexSpec? Index { get; init; }

    /// <summary>The index spec in force: <see cref="Index"/>, or flat when none was resolved.</summary>
    internal IndexSpec EffectiveIndex => Index ?? IndexSpec.Flat;

    /// <summary>Declared payload indexes: key to type. Indexed keys only accept values of their type.</summary>
    public Dictionary<string, PayloadIndexType> PayloadIndexes { get; init; } = new(StringComparer.Ordinal);

    /// <summary>
    /// How each <see cref="PayloadIndexType.Text"/> field is cut into terms; a text field not named here uses
    /// <see cref="TextAnalyzerOptions.English"/>. Fixed at creation: the index and every query use the same analyzer.
    /// </summary>
    public Dictionary<string, TextAnalyzerOptions> TextAnalyzers { get; init; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Makes vectors from text: a point upserted without a vector is embedded from its <see cref="TextEmbedding.SourceField"/>
    /// payload string, and a search may carry query text instead of a vector. Null: vectors only.
    /// </summary>
    public TextEmbedding? Embedding { get; init; }

    /// <summary>
    /// How sealed segments move between hot, warm and cold on their own (<see cref="TierPolicy.Default"/> for the usual
    /// ages). Null (the default): they stay where they are put (hot unless moved by hand or by the database's memory budget).
    /// </summary>
    public TierPolicy? Tiering { get; init; }

    /// <summary>The payload indexes segments build (with one analyzer per text field), made once.</summary>

    /// <summary>Collection names: 1 to 64 characters from letters, digits, '_' and '-', starting with a letter or digit.</summary>
    public static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name) || !NamePattern().IsMatch(name))
        {
            throw new VectorEngineArgumentException(
                $"Invalid collection name '{name}': use 1 to 64 letters, digits, '_' or '-', starting with a letter or digit.", "name");
        }
    }

    /// <summary>
    /// Checks everything about the options that needs no engine: dimension, metric, payload indexes, text analyzers,
    /// embedding. The engine's <c>Validate(IndexRegistry)</c> adds the index type and its parameters.
    /// </summary>
    /// <exception cref="VectorEngineArgumentException">A value the engine refuses.</exception>
    public void ValidateShape()
    {
        if (Dimension is < 1 or > MaxDimension)
        {
            throw new VectorEngineArgumentException($"Dimension must be 1 to {MaxDimension}; got {Dimension}.", "dimension");
        }

        if (!Enum.IsDefined(Metric))
        {
            throw new VectorEngineArgumentException($"Unknown metric {(int)Metric}.", "metric");
        }

        if (Index is not null && Index.Parameters is null)
        {
            throw new VectorEngineArgumentException("Index parameters must not be null.", "index");
        }

        if (PayloadIndexes is null)
        {
            throw new VectorEngineArgumentException("PayloadIndexes must not be null.", "payloadIndexes");
        }

        foreach (KeyValuePair<string, PayloadIndexType> field in PayloadIndexes)
        {
            if (string.IsNullOrEmpty(field.Key) || field.Key.Length > Payload.MaxKeyLength)
            {
                throw new VectorEngineArgumentException($"Payload index key must have 1 to {Payload.MaxKeyLength} characters.", "payloadIndexes");
            }

            if (!Enum.IsDefined(field.Value))
            {
                throw new VectorEngineArgumentException($"Payload index '{field.Key}' has unknown type {(int)field.Value}.", "payloadIndexes");
            }
        }

        if (Embedding is not null && (string.IsNullOrEmpty(Embedding.SourceField) || Embedding.SourceField.Length > Payload.MaxKeyLength || string.IsNullOrEmpty(Embedding.Generator)))
        {
            throw new VectorEngineArgumentException("Embedding needs a source field (a payload key) and a generator name.", "embedding");
        }

        if (TextAnalyzers is null)
        {
            throw new VectorEngineArgumentException("TextAnalyzers must not be null.", "textAnalyzers");
        }

        foreach (KeyValuePair<string, TextAnalyzerOptions> field in TextAnalyzers)
        {
            if (!PayloadIndexes.TryGetValue(field.Key, out PayloadIndexType type) || type != PayloadIndexType.Text)
            {
                throw new VectorEngineArgumentException($"Text analyzer for '{field.Key}': declare it as a Text payload index too.", "textAnalyzers");
            }

            if (field.Value is null)
            {
                throw new VectorEngineArgumentException($"Text analyzer for '{field.Key}' is null.", "textAnalyzers");
            }

            field.Value.Validate(field.Key);
        }

        Tiering?.Validate();
    }

    /// <summary>A copy with <see cref="Embedding"/> set (for readers that build options in steps).</summary>
    /// <param name="embedding">The text embedding.</param>
    public CollectionOptions WithEmbedding(TextEmbedding? embedding) =>
        new(Dimension, Metric) { Index = Index, PayloadIndexes = PayloadIndexes, TextAnalyzers = TextAnalyzers, Embedding = embedding, Tiering = Tiering };

    /// <summary>A copy with <see cref="Tiering"/> set (for readers that build options in steps).</summary>
    /// <param name="tiering">The tier policy.</param>
    public CollectionOptions WithTiering(TierPolicy? tiering) =>
        new(Dimension, Metric) { Index = Index, PayloadIndexes = PayloadIndexes, TextAnalyzers = TextAnalyzers, Embedding = Embedding, Tiering = tiering };

    /// <summary>A copy whose <see cref="Index"/> is <paramref name="fallback"/> when none was given.</summary>
    internal CollectionOptions WithDefaultIndex(IndexSpec fallback) =>
        Index is not null ? this : new CollectionOptions(Dimension, Metric) { Index = fallback, PayloadIndexes = PayloadIndexes, TextAnalyzers = TextAnalyzers, Embedding = Embedding, Tiering = Tiering };

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex NamePattern();
}
