namespace VectorEngine;

/// <summary>How two vectors are compared.</summary>
/// <remarks>
/// Internally every metric is turned into a distance where smaller is closer; scores are converted back at the API edge
/// (see <see cref="DistanceMetricExtensions.ToScore"/>), as qdrant does in <c>spaces/metric.rs</c>.
/// </remarks>
public enum DistanceMetric
{
    /// <summary>Squared Euclidean distance. Scores are the squared distance: smaller is closer.</summary>
    L2 = 0,

    /// <summary>Inner (dot) product. Scores are the dot product: larger is closer.</summary>
    InnerProduct = 1,

    /// <summary>Cosine similarity. Vectors are normalised at insert; scores are the cosine similarity in [-1, 1]: larger is closer.</summary>
    Cosine = 2,
}
