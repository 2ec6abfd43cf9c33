namespace VectorEngine.Filters;

/// <summary>Every term of <see cref="Query"/> occurs in the key's text; see <see cref="Condition.Text"/>.</summary>
public sealed class TextCondition : Condition
{
    /// <summary>The longest text accepted, in characters.</summary>
    public const int MaxTextLength = 10_000;

    /// <summary>
    /// How a text condition is evaluated on a payload without an index: with the engine's text analysis, which the engine
    /// (package VectorEngine) installs when it loads. A client has no analyzer: the server evaluates its filters.
    /// </summary>
    internal static Func<TextCondition, IReadOnlyDictionary<string, PayloadValue>, bool>? Evaluator;

    /// <summary>The query's terms under the analyzer last asked for, kept by the engine (one collection's filter meets one analyzer per key).</summary>
    internal volatile object? AnalyzedTerms;

    internal TextCondition(string key, string text)
    {
        Key = key;
        Query = text;
    }

    /// <summary>The payload key.</summary>
    public string Key { get; }

    /// <summary>The words that must all occur.</summary>
    public string Query { get; }

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">The engine is not loaded in this process (text analysis lives there).</exception>
    public override bool Matches(PointId id, IReadOnlyDictionary<string, PayloadValue> payload) =>
        Evaluator is { } evaluate
            ? evaluate(this, payload)
            : throw new NotSupportedException("Text conditions are evaluated with the engine's text analysis (package VectorEngine); a client sends them to the server.");

    internal override void Validate(int depth, ref int budget)
    {
        ValidateKey(Key);
        if (Query is null || Query.Length > MaxTextLength)
        {
            throw new InvalidFilterException($"Text condition on '{Key}': the text must be given and at most {MaxTextLength:N0} characters.");
        }
    }
}
