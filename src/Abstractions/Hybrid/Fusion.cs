namespace VectorEngine;

/// <summary>How a <see cref="HybridQuery"/> turns its stages' rankings into one.</summary>
public abstract record Fusion
{
    private protected Fusion()
    {
    }

    /// <summary>
    /// Reciprocal rank fusion (Cormack et al. 2009): a point scores the sum over stages of weight / (k + rank). Needs no
    /// score calibration between stages, which is why it is the default.
    /// </summary>
    /// <param name="k">Damps the head of each ranking; 60 in the paper and in Qdrant. 1 to 10,000.</param>
    public static Fusion Rrf(int k = 60) => new ReciprocalRankFusion(k);

    /// <summary>
    /// Weighted normalised scores: each stage's scores are min-max scaled to [0, 1] over its own candidates (best 1),
    /// then summed with the stage weights; a point a stage did not return gets 0 from it.
    /// </summary>
    public static Fusion WeightedScores() => new NormalizedScoreFusion();

    internal abstract void Validate();
}

/// <summary>Reciprocal rank fusion; see <see cref="Fusion.Rrf"/>.</summary>
/// <param name="K">The rank damping constant.</param>
public sealed record ReciprocalRankFusion(int K) : Fusion
{
    internal override void Validate()
    {
        if (K is < 1 or > 10_000)
        {
            throw new VectorEngineArgumentException($"RRF k must be 1 to 10,000; got {K}.", "fusion");
        }
    }
}

/// <summary>Weighted min-max normalised scores; see <see cref="Fusion.WeightedScores"/>.</summary>
public sealed record NormalizedScoreFusion : Fusion
{
    internal override void Validate()
    {
    }
}
