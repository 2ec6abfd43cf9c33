namespace VectorEngine.Matching;

/// <summary>How a <see cref="MatchPipeline"/> runs its stages.</summary>
public sealed class MatchPipelineOptions
{
    /// <summary>The Text payload field searched by BM25 and by required terms. Default "text".</summary>
    public string TextField { get; set; } = "text";

    /// <summary>Hybrid candidates handed to the reranker when a request does not say. Default 50.</summary>
    public int Candidates { get; set; } = 50;

    /// <summary>How the dense and BM25 stages are fused. Default reciprocal rank fusion, k = 60.</summary>
    public Fusion Fusion { get; set; } = Fusion.Rrf();

    /// <summary>The dense stage's fusion weight. Default 1.</summary>
    public double DenseWeight { get; set; } = 1;

    /// <summary>The BM25 stage's fusion weight. Default 1.</summary>
    public double TextWeight { get; set; } = 1;

    /// <summary>Longest wait for the query's embedding; past it the match runs on BM25 alone and says degraded.</summary>
    public TimeSpan EmbedTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait for the hybrid candidates; past it the match fails (there is nothing to fall back to).</summary>
    public TimeSpan CandidatesTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait for the reranker; past it the answer is the candidate order, degraded.</summary>
    public TimeSpan RerankTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The breaker opens when at least this share of rerank calls failed or timed out in the sampling window.</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Rerank calls the sampling window must hold before the breaker may open.</summary>
    public int BreakerMinimumThroughput { get; set; } = 4;

    /// <summary>The window over which failures are counted.</summary>
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open breaker skips the reranker before letting one call try it again.</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    internal void Validate()
    {
        if (string.IsNullOrEmpty(TextField))
        {
            throw new VectorEngineArgumentException("TextField must be set.", nameof(TextField));
        }

        if (Candidates is < 1 or > Collection.MaxLimit)
        {
            throw new VectorEngineArgumentException($"Candidates must be 1 to {Collection.MaxLimit}; got {Candidates}.", nameof(Candidates));
        }

        if (Fusion is null || !(DenseWeight > 0) || !(TextWeight > 0))
        {
            throw new VectorEngineArgumentException("Fusion must be set and both stage weights positive.", nameof(Fusion));
        }

        foreach ((TimeSpan value, string name) in new[] { (EmbedTimeout, nameof(EmbedTimeout)), (CandidatesTimeout, nameof(CandidatesTimeout)), (RerankTimeout, nameof(RerankTimeout)) })
        {
            if (value <= TimeSpan.Zero || value > TimeSpan.FromMinutes(10))
            {
                throw new VectorEngineArgumentException($"{name} must be positive and at most 10 minutes; got {value}.", name);
            }
        }

        // Polly's own limits: a ratio in (0, 1], at least 2 calls, windows of at least 0.5 s.
        if (BreakerFailureRatio is <= 0 or > 1 || BreakerMinimumThroughput < 2
            || BreakerSamplingDuration < TimeSpan.FromMilliseconds(500) || BreakerBreakDuration < TimeSpan.FromMilliseconds(500))
        {
            throw new VectorEngineArgumentException("Breaker settings: ratio in (0, 1], minimum throughput >= 2, durations >= 0.5 s.", "Breaker");
        }
    }
}
