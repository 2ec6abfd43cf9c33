using Microsoft.Extensions.VectorData;

namespace VectorEngine.VectorData;

/// <summary>
/// The VectorData distance functions the engine serves, each over one of its metrics: a function that is a monotone
/// transform of a metric (cosine distance of cosine similarity, Euclidean of squared Euclidean, negative dot product of
/// dot product) runs on that metric, its scores and score thresholds converted at this edge.
/// </summary>
internal static class DistanceFunctions
{
    public const string Default = DistanceFunction.CosineSimilarity;

    public const string Supported = "CosineSimilarity, CosineDistance, DotProductSimilarity, NegativeDotProductSimilarity, EuclideanDistance, EuclideanSquaredDistance";

    public static bool IsSupported(string? function) => function is null or DistanceFunction.CosineSimilarity or DistanceFunction.CosineDistance or
        DistanceFunction.DotProductSimilarity or DistanceFunction.NegativeDotProductSimilarity or
        DistanceFunction.EuclideanDistance or DistanceFunction.EuclideanSquaredDistance;

    public static DistanceMetric Metric(string? function) => (function ?? Default) switch
    {
        DistanceFunction.CosineSimilarity or DistanceFunction.CosineDistance => DistanceMetric.Cosine,
        DistanceFunction.DotProductSimilarity or DistanceFunction.NegativeDotProductSimilarity => DistanceMetric.InnerProduct,
        DistanceFunction.EuclideanDistance or DistanceFunction.EuclideanSquaredDistance => DistanceMetric.L2,
        var other => throw Unsupported(other),
    };

    /// <summary>The function's score for the engine's score <paramref name="engineScore"/>.</summary>
    public static double ToScore(string? function, float engineScore) => (function ?? Default) switch
    {
        DistanceFunction.CosineDistance => 1 - engineScore,
        DistanceFunction.NegativeDotProductSimilarity => -engineScore,
        DistanceFunction.EuclideanDistance => Math.Sqrt(Math.Max(0, engineScore)),
        _ => engineScore,
    };

    /// <summary>The engine's score threshold that keeps exactly the results whose function score passes <paramref name="threshold"/>.</summary>
    public static float ToEngineThreshold(string? function, double threshold) => (function ?? Default) switch
    {
        DistanceFunction.CosineDistance => (float)(1 - threshold),
        DistanceFunction.NegativeDotProductSimilarity => (float)-threshold,
        DistanceFunction.EuclideanDistance => (float)(threshold < 0 ? -1 : threshold * threshold),
        _ => (float)threshold,
    };

    public static NotSupportedException Unsupported(string function) =>
        new($"Distance function '{function}' is not supported by VectorEngine; supported: {Supported}.");
}
