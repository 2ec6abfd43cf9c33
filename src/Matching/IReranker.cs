namespace VectorEngine.Matching;

/// <summary>
/// The third stage of a match: scores the candidates the hybrid stage found, typically with something slower and
/// smarter (a cross-encoder, an LLM, business rules). The pipeline runs it behind a timeout and a circuit breaker.
/// </summary>
public interface IReranker
{
    /// <summary>A short name for logs, metrics and the degraded reason.</summary>
    string Name { get; }

    /// <summary>One score per candidate, in the candidates' order; higher is better.</summary>
    /// <param name="query">What is being matched.</param>
    /// <param name="candidates">The hybrid stage's candidates, best first.</param>
    /// <param name="cancellationToken">Cancelled when the stage times out or the caller gives up.</param>
    /// <exception cref="Exception">Any failure: the pipeline falls back to the candidate order and says why.</exception>
    Task<IReadOnlyList<double>> ScoreAsync(MatchQuery query, IReadOnlyList<MatchCandidate> candidates, CancellationToken cancellationToken);
}

/// <summary>What a match is for: the query text (a resume, a trend) and its vector.</summary>
/// <param name="Text">The query text, if there is one.</param>
/// <param name="Vector">The query vector, if there is one.</param>
public sealed record MatchQuery(string? Text, float[]? Vector);

/// <summary>A candidate from the hybrid stage, with what each stage said of it.</summary>
/// <param name="Id">The point's id.</param>
/// <param name="CandidateScore">The fused score of the hybrid stage.</param>
/// <param name="CandidateRank">Its rank there (1 = best).</param>
/// <param name="VectorScore">The dense stage's similarity, null when that stage did not return it (or did not run).</param>
/// <param name="TextScore">The BM25 stage's score, null when that stage did not return it (or did not run).</param>
/// <param name="Payload">The point's payload.</param>
public sealed record MatchCandidate(PointId Id, double CandidateScore, int CandidateRank, float? VectorScore, float? TextScore, Payload? Payload);
