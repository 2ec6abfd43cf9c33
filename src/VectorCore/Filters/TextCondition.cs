using VectorEngine.PayloadIndexes;
using VectorEngine.Segments;
using VectorEngine.Text;

namespace VectorEngine.Filters;

/// <summary>Every term of <see cref="Query"/> occurs in the key's text; see <see cref="Condition.Text"/>.</summary>
public sealed class TextCondition : Condition
{
    /// <summary>The longest text accepted, in characters.</summary>
    public const int MaxTextLength = 10_000;

    // The query's terms under the analyzer last asked for: one collection's filter meets one analyzer per key.
    private volatile AnalyzedTerms? _terms;

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
    public override bool Matches(PointId id, IReadOnlyDictionary<string, PayloadValue> payload) =>
        MatchesText(payload, TextAnalyzer.Default);

    internal override bool Matches(Segment segment, uint offset)
    {
        if (segment.PayloadIndexes.TryGetValue(Key, out PayloadFieldIndex? index) && index is TextFieldIndex text)
        {
            return text.ContainsAll(offset, TermsFor(text.Analyzer));
        }

        return MatchesText(segment.PayloadAt(offset), TextAnalyzer.Default);
    }

    /// <summary>The distinct terms of <see cref="Query"/> under <paramref name="analyzer"/>.</summary>
    internal string[] TermsFor(TextAnalyzer analyzer)
    {
        AnalyzedTerms? cached = _terms;
        if (cached is not null && ReferenceEquals(cached.Analyzer, analyzer))
        {
            return cached.Terms;
        }

        string[] terms = analyzer.DistinctTerms(Query);
        _terms = new AnalyzedTerms(analyzer, terms);
        return terms;
    }

    internal override void Validate(int depth, ref int budget)
    {
        ValidateKey(Key);
        if (Query is null || Query.Length > MaxTextLength)
        {
            throw new InvalidFilterException($"Text condition on '{Key}': the text must be given and at most {MaxTextLength:N0} characters.");
        }
    }

    private bool MatchesText(IReadOnlyDictionary<string, PayloadValue> payload, TextAnalyzer analyzer)
    {
        string[] wanted = TermsFor(analyzer);
        if (wanted.Length == 0 || !payload.TryGetValue(Key, out PayloadValue value))
        {
            return false;
        }

        var terms = new List<string>();
        TextFieldIndex.AnalyzeValue(value, analyzer, terms);
        var present = new HashSet<string>(terms, StringComparer.Ordinal);
        return wanted.All(present.Contains);
    }

    private sealed record AnalyzedTerms(TextAnalyzer Analyzer, string[] Terms);
}
