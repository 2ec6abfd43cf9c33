using VectorEngine.Filters;

namespace VectorEngine;

/// <summary>One nearest-neighbour search.</summary>
public sealed record SearchRequest
{
    /// <summary>Creates a request.</summary>
    /// <param name="vector">The query vector.</param>
    /// <param name="limit">How many results (k), 1 to 10,000 (the engine's <c>Collection.MaxLimit</c>).</param>
    public SearchRequest(float[] vector, int limit)
    {
        Vector = vector;
        Limit = limit;
    }

    /// <summary>A search by text in a collection that embeds text (<see cref="CollectionOptions.Embedding"/>).</summary>
    /// <param name="text">The query text, embedded by the collection's generator.</param>
    /// <param name="limit">How many results.</param>
    public static SearchRequest ForText(string text, int limit) => new([], limit) { Text = text };

    /// <summary>The query vector (empty when <see cref="Text"/> is searched).</summary>
    public float[] Vector { get; init; }

    /// <summary>Query text, embedded by the collection's generator when <see cref="Vector"/> is empty.</summary>
    public string? Text { get; init; }

    /// <summary>How many results to return at most (k).</summary>
    public int Limit { get; init; }

    /// <summary>Only points that pass this filter are returned.</summary>
    public Filter? Filter { get; init; }

    /// <summary>
    /// Only results at least this good: for L2 a squared distance at most this, for inner product and cosine a score at
    /// least this.
    /// </summary>
    public float? ScoreThreshold { get; init; }

    /// <summary>Attach payloads to results. Default true.</summary>
    public bool WithPayload { get; init; } = true;

    /// <summary>Attach vectors to results. Default false.</summary>
    public bool WithVector { get; init; }

    /// <summary>Search-time parameters.</summary>
    public SearchParams Params { get; init; } = SearchParams.Default;
}

/// <summary>A page of a scroll.</summary>
/// <param name="Points">The points, in id order.</param>
/// <param name="NextOffset">The id to pass as the next page's offset, or null at the end.</param>
public sealed record ScrollPage(IReadOnlyList<PointRecord> Points, PointId? NextOffset);

/// <summary>One page request of a scroll through a collection in id order.</summary>
public sealed record ScrollRequest
{
    /// <summary>Only points that pass this filter.</summary>
    public Filter? Filter { get; init; }

    /// <summary>Start at this id (inclusive); null starts at the beginning.</summary>
    public PointId? Offset { get; init; }

    /// <summary>Page size, 1 to 10,000 (the engine's <c>Collection.MaxLimit</c>). Default 100.</summary>
    public int Limit { get; init; } = 100;

    /// <summary>Attach payloads. Default true.</summary>
    public bool WithPayload { get; init; } = true;

    /// <summary>Attach vectors. Default false.</summary>
    public bool WithVector { get; init; }
}
