namespace VectorEngine;

/// <summary>Conversions between the engine's internal distance (smaller is closer) and user-facing scores.</summary>
public static class DistanceMetricExtensions
{
    /// <summary>Turns an internal distance into the score a caller sees.</summary>
    /// <param name="metric">The collection's metric.</param>
    /// <param name="distance">Internal distance: squared L2, or the negated dot product.</param>
    public static float ToScore(this DistanceMetric metric, float distance) =>
        metric == DistanceMetric.L2 ? distance : -distance;

    /// <summary>Turns a user-facing score into the internal distance (the inverse of <see cref="ToScore"/>).</summary>
    /// <param name="metric">The collection's metric.</param>
    /// <param name="score">A score as returned by search.</param>
    public static float ToDistance(this DistanceMetric metric, float score) =>
        metric == DistanceMetric.L2 ? score : -score;

    /// <summary>True when a larger score means a closer point.</summary>
    /// <param name="metric">The collection's metric.</param>
    public static bool HigherIsBetter(this DistanceMetric metric) => metric != DistanceMetric.L2;
}
