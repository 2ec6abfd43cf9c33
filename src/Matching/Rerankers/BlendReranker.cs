namespace VectorEngine.Matching;

/// <summary>
/// A weighted blend, computed in process and never slow: vector similarity, BM25 scaled to the best candidate's, and
/// payload boosts (recency, location, flags). The fallback-free reranker, and a sensible one without an LLM.
/// </summary>
public sealed class BlendReranker : IReranker
{
    private readonly BlendWeights _weights;
    private readonly PayloadBoost[] _boosts;
    private readonly TimeProvider _time;

    /// <summary>Creates a blend.</summary>
    /// <param name="weights">Weights of the vector and BM25 scores; 1 and 0.5 when null.</param>
    /// <param name="boosts">Payload rules added to the score.</param>
    /// <param name="time">The clock recency is measured against (the system clock when null).</param>
    public BlendReranker(BlendWeights? weights = null, IEnumerable<PayloadBoost>? boosts = null, TimeProvider? time = null)
    {
        _weights = weights ?? new BlendWeights();
        if (!double.IsFinite(_weights.Vector) || !double.IsFinite(_weights.Text))
        {
            throw new VectorEngineArgumentException("Blend weights must be finite numbers.", nameof(weights));
        }

        _boosts = boosts?.ToArray() ?? [];
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public string Name => "blend";

    /// <inheritdoc />
    public Task<IReadOnlyList<double>> ScoreAsync(MatchQuery query, IReadOnlyList<MatchCandidate> candidates, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        DateTime now = _time.GetUtcNow().UtcDateTime;
        double bestText = candidates.Max(c => (double?)c.TextScore) ?? 0;
        var scores = new double[candidates.Count];
        for (int i = 0; i < candidates.Count; i++)
        {
            MatchCandidate c = candidates[i];
            double score = (_weights.Vector * (c.VectorScore ?? 0)) + (bestText > 0 ? _weights.Text * (c.TextScore ?? 0) / bestText : 0);
            foreach (PayloadBoost boost in _boosts)
            {
                score += boost.Score(c.Payload, now);
            }

            scores[i] = score;
        }

        return Task.FromResult<IReadOnlyList<double>>(scores);
    }
}

/// <summary>Weights of a <see cref="BlendReranker"/>.</summary>
/// <param name="Vector">Times the vector similarity (cosine or inner product).</param>
/// <param name="Text">Times the BM25 score scaled so the best candidate's is 1.</param>
public sealed record BlendWeights(double Vector = 1, double Text = 0.5);
