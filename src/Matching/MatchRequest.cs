using VectorEngine.Filters;

namespace VectorEngine.Matching;

/// <summary>One match: a query, a prefilter, how many candidates and results.</summary>
public sealed record MatchRequest
{
    /// <summary>The query text: searched with BM25, and embedded for the dense stage when no vector is given.</summary>
    public string? Text { get; init; }

    /// <summary>The query vector; embedded from <see cref="Text"/> when null.</summary>
    public float[]? Vector { get; init; }

    /// <summary>Stage 1: only points passing this filter are candidates (tenant, country, date...).</summary>
    public Filter? Filter { get; init; }

    /// <summary>Stage 1: words every candidate's text must hold (full-text match on the text field).</summary>
    public IReadOnlyList<string>? RequiredTerms { get; init; }

    /// <summary>Stage 2: how many hybrid candidates go to the reranker; the pipeline's default when null.</summary>
    public int? Candidates { get; init; }

    /// <summary>How many results to return, 1 to the candidate count.</summary>
    public int Limit { get; init; } = 10;

    /// <summary>Skip the rerank stage (the answer is the candidate order, not degraded).</summary>
    public bool SkipRerank { get; init; }
}

/// <summary>The answer of a match.</summary>
/// <param name="Points">The results, best first.</param>
/// <param name="Degraded">True when a stage fell back (the reranker timed out, failed or is switched off by its breaker; or the query could not be embedded).</param>
/// <param name="DegradedReason">Why, when degraded.</param>
/// <param name="Timings">How long each stage took.</param>
public sealed record MatchResult(IReadOnlyList<MatchedPoint> Points, bool Degraded, string? DegradedReason, MatchTimings Timings);

/// <summary>One matched point.</summary>
/// <param name="Id">The point's id.</param>
/// <param name="Score">The final score: the reranker's, or the candidate score when the rerank stage did not decide.</param>
/// <param name="Candidate">What the hybrid stage said of it.</param>
/// <param name="RerankScore">The reranker's score, null when it did not run or failed.</param>
public sealed record MatchedPoint(PointId Id, double Score, MatchCandidate Candidate, double? RerankScore);

/// <summary>Stage durations.</summary>
/// <param name="Embed">Embedding the query text (zero when a vector was given).</param>
/// <param name="Candidates">The prefiltered hybrid query.</param>
/// <param name="Rerank">The rerank stage, up to its timeout.</param>
public sealed record MatchTimings(TimeSpan Embed, TimeSpan Candidates, TimeSpan Rerank);
