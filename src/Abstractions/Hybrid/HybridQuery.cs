using VectorEngine.Filters;

namespace VectorEngine;

/// <summary>
/// A query of several stages (prefetches) fused into one ranking, as Qdrant's query API: typically a dense vector stage
/// and a BM25 stage, each with its own filter and depth, fused by reciprocal rank or by normalised scores.
/// </summary>
public sealed record HybridQuery
{
    /// <summary>The most stages one query may hold.</summary>
    public const int MaxStages = 8;

    /// <summary>Creates a query.</summary>
    /// <param name="limit">How many fused results, 1 to 10,000 (the engine's <c>Collection.MaxLimit</c>).</param>
    /// <param name="prefetch">The stages, 1 to <see cref="MaxStages"/>.</param>
    public HybridQuery(int limit, params Prefetch[] prefetch)
    {
        Limit = limit;
        Prefetch = prefetch;
    }

    /// <summary>The stages; each returns its own candidates.</summary>
    public IReadOnlyList<Prefetch> Prefetch { get; init; }

    /// <summary>How the stages' rankings become one. Default: reciprocal rank fusion, k = 60.</summary>
    public Fusion Fusion { get; init; } = Fusion.Rrf();

    /// <summary>How many fused results to return.</summary>
    public int Limit { get; init; }

    /// <summary>A filter every stage applies besides its own (a tenant, a country).</summary>
    public Filter? Filter { get; init; }

    /// <summary>Attach payloads to results. Default true.</summary>
    public bool WithPayload { get; init; } = true;

    /// <summary>Attach vectors to results. Default false.</summary>
    public bool WithVector { get; init; }
}

/// <summary>One stage of a <see cref="HybridQuery"/>.</summary>
public abstract record Prefetch
{
    private protected Prefetch(int limit)
    {
        Limit = limit;
    }

    /// <summary>How many candidates the stage returns (its depth), 1 to 10,000 (the engine's <c>Collection.MaxLimit</c>).</summary>
    public int Limit { get; init; }

    /// <summary>The stage's own filter, applied besides the query's.</summary>
    public Filter? Filter { get; init; }

    /// <summary>The stage's weight in the fusion (positive). Default 1.</summary>
    public double Weight { get; init; } = 1;
}

/// <summary>A nearest-neighbour stage.</summary>
public sealed record VectorPrefetch : Prefetch
{
    /// <summary>Creates the stage.</summary>
    /// <param name="vector">The query vector.</param>
    /// <param name="limit">Its depth.</param>
    public VectorPrefetch(float[] vector, int limit)
        : base(limit)
    {
        Vector = vector;
    }

    /// <summary>A stage searching by text in a collection that embeds text (<see cref="CollectionOptions.Embedding"/>).</summary>
    /// <param name="text">The query text.</param>
    /// <param name="limit">Its depth.</param>
    public static VectorPrefetch ForText(string text, int limit) => new([], limit) { Text = text };

    /// <summary>The query vector (empty when <see cref="Text"/> is embedded instead).</summary>
    public float[] Vector { get; init; }

    /// <summary>Query text, embedded by the collection's generator when <see cref="Vector"/> is empty.</summary>
    public string? Text { get; init; }

    /// <summary>Search-time parameters.</summary>
    public SearchParams Params { get; init; } = SearchParams.Default;
}

/// <summary>A BM25 stage over one text field.</summary>
public sealed record TextPrefetch : Prefetch
{
    /// <summary>Creates the stage.</summary>
    /// <param name="field">The text field (declared <see cref="PayloadIndexType.Text"/>).</param>
    /// <param name="query">Free text.</param>
    /// <param name="limit">Its depth.</param>
    public TextPrefetch(string field, string query, int limit)
        : base(limit)
    {
        Field = field;
        Query = query;
    }

    /// <summary>The text field.</summary>
    public string Field { get; init; }

    /// <summary>Free text.</summary>
    public string Query { get; init; }

    /// <summary>BM25's parameters.</summary>
    public Bm25Parameters Bm25 { get; init; } = Bm25Parameters.Default;
}

/// <summary>A fused result: the fused score, and what each stage said of the point.</summary>
/// <param name="Id">The point's id.</param>
/// <param name="Score">The fused score (higher is better).</param>
/// <param name="StageScores">Each stage's own score of the point (cosine, inner product, squared L2 distance, BM25), null where the stage did not return it.</param>
/// <param name="StageRanks">Each stage's rank of the point (1 = its best), 0 where it did not return it.</param>
/// <param name="Payload">The payload, when asked for.</param>
/// <param name="Vector">The vector, when asked for.</param>
public sealed record FusedPoint(PointId Id, double Score, IReadOnlyList<float?> StageScores, IReadOnlyList<int> StageRanks, Payload? Payload, float[]? Vector);
