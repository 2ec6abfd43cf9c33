using System.Runtime.CompilerServices;
using VectorEngine.PayloadIndexes;
using VectorEngine.Segments;
using VectorEngine.Text;

namespace VectorEngine.Filters;

/// <summary>
/// Evaluates filters where the engine holds the data: on a segment's rows, with its payload indexes where they answer
/// exactly (text conditions through the text index), and text conditions on bare payloads with the engine's analysis.
/// </summary>
internal static class ConditionEvaluation
{
    /// <summary>Lets <see cref="TextCondition.Matches(PointId, IReadOnlyDictionary{string, PayloadValue})"/> analyze text once the engine is loaded.</summary>
#pragma warning disable CA2255 // A library's initializer on purpose: the shared types cannot reference the engine's analyzer.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void InstallTextEvaluator() => TextCondition.Evaluator = static (condition, payload) => MatchesText(condition, payload, TextAnalyzer.Default);

    /// <summary>Evaluates <paramref name="condition"/> on one row of <paramref name="segment"/>.</summary>
    public static bool Matches(this Condition condition, Segment segment, uint offset) => condition switch
    {
        Filter filter => MatchesFilter(filter, segment, offset),
        TextCondition text => MatchesText(text, segment, offset),
        _ => condition.Matches(segment.IdAt(offset), segment.PayloadAt(offset)),
    };

    /// <summary>The distinct terms of the condition's query under <paramref name="analyzer"/>, cached on the condition.</summary>
    public static string[] TermsFor(this TextCondition condition, TextAnalyzer analyzer)
    {
        if (condition.AnalyzedTerms is AnalyzedTerms cached && ReferenceEquals(cached.Analyzer, analyzer))
        {
            return cached.Terms;
        }

        string[] terms = analyzer.DistinctTerms(condition.Query);
        condition.AnalyzedTerms = new AnalyzedTerms(analyzer, terms);
        return terms;
    }

    private static bool MatchesFilter(Filter filter, Segment segment, uint offset)
    {
        foreach (Condition c in filter.Must)
        {
            if (!c.Matches(segment, offset))
            {
                return false;
            }
        }

        foreach (Condition c in filter.MustNot)
        {
            if (c.Matches(segment, offset))
            {
                return false;
            }
        }

        if (filter.Should.Count == 0)
        {
            return true;
        }

        foreach (Condition c in filter.Should)
        {
            if (c.Matches(segment, offset))
            {
                return true;
            }
        }

        return false;
    }

    private static bool MatchesText(TextCondition condition, Segment segment, uint offset)
    {
        if (segment.PayloadIndexes.TryGetValue(condition.Key, out PayloadFieldIndex? index) && index is TextFieldIndex text)
        {
            return text.ContainsAll(offset, condition.TermsFor(text.Analyzer));
        }

        return MatchesText(condition, segment.PayloadAt(offset), TextAnalyzer.Default);
    }

    private static bool MatchesText(TextCondition condition, IReadOnlyDictionary<string, PayloadValue> payload, TextAnalyzer analyzer)
    {
        string[] wanted = condition.TermsFor(analyzer);
        if (wanted.Length == 0 || !payload.TryGetValue(condition.Key, out PayloadValue value))
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
