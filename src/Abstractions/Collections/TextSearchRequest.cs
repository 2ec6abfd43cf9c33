using VectorEngine.Filters;

namespace VectorEngine;

/// <summary>A BM25 search of one text field (declared <see cref="PayloadIndexType.Text"/>).</summary>
public sealed record TextSearchRequest
{
    /// <summary>Creates a request.</summary>
    /// <param name="field">The text field searched.</param>
    /// <param name="query">Free text; analyzed as the field is.</param>
    /// <param name="limit">How many results, 1 to 10,000 (the engine's <c>Collection.MaxLimit</c>).</param>
    public TextSearchRequest(string field, string query, int limit)
    {
        Field = field;
        Query = query;
        Limit = limit;
    }

    /// <summary>The text field searched.</summary>
    public string Field { get; init; }

    /// <summary>Free text. A point scores when it holds any of its terms; holding none, it is not returned.</summary>
    public string Query { get; init; }

    /// <summary>How many results to return at most.</summary>
    public int Limit { get; init; }

    /// <summary>Only points that pass this filter are returned.</summary>
    public Filter? Filter { get; init; }

    /// <summary>BM25's parameters.</summary>
    public Bm25Parameters Bm25 { get; init; } = Bm25Parameters.Default;

    /// <summary>Attach payloads to results. Default true.</summary>
    public bool WithPayload { get; init; } = true;

    /// <summary>Attach vectors to results. Default false.</summary>
    public bool WithVector { get; init; }
}

/// <summary>
/// BM25's two knobs (Robertson and Zaragoza): <paramref name="K1"/> saturates term frequency, <paramref name="B"/> scales
/// by document length against the average. The default is the textbook k1 = 1.2, b = 0.75.
/// </summary>
/// <param name="K1">Term-frequency saturation, 0 to 10.</param>
/// <param name="B">Length normalisation, 0 (none) to 1 (full).</param>
public sealed record Bm25Parameters(double K1 = 1.2, double B = 0.75)
{
    /// <summary>k1 = 1.2, b = 0.75.</summary>
    public static Bm25Parameters Default { get; } = new();
}
