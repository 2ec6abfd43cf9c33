using System.Numerics.Tensors;
using System.Text.Json.Serialization;

namespace VectorEngine.Bench.Planning;

/// <summary>
/// What makes a dataset hard for an approximate index, estimated from a sample against a reference subset by exact
/// search: local intrinsic dimensionality (the maximum-likelihood estimator of Levina and Bickel in the form Amsaleg
/// et al. use for LID), relative contrast (He, Kumar and Chang: mean distance over nearest-neighbour distance; the
/// lower, the harder), the share of points with a near-duplicate, and the spread of the vectors' norms. Two datasets
/// of the same size and dimension can need very different ef for the same recall; these say which is the harder.
/// </summary>
internal sealed record DataHardness
{
    /// <summary>Neighbours each estimate uses.</summary>
    public const int DefaultK = 20;

    /// <summary>Points whose neighbourhoods were measured.</summary>
    [JsonPropertyName("sample")]
    public required int Sample { get; init; }

    /// <summary>Points they were searched against.</summary>
    [JsonPropertyName("reference")]
    public required int Reference { get; init; }

    /// <summary>Neighbours per estimate.</summary>
    [JsonPropertyName("k")]
    public required int K { get; init; }

    /// <summary>Mean local intrinsic dimensionality.</summary>
    [JsonPropertyName("lid_mean")]
    public required double LidMean { get; init; }

    /// <summary>90th percentile of the local intrinsic dimensionality (the hard tail).</summary>
    [JsonPropertyName("lid_p90")]
    public required double LidP90 { get; init; }

    /// <summary>Median relative contrast: mean distance to the reference over distance to the nearest neighbour.</summary>
    [JsonPropertyName("relative_contrast")]
    public required double RelativeContrast { get; init; }

    /// <summary>Share of sampled points whose nearest neighbour is closer than 5% of the median nearest-neighbour distance.</summary>
    [JsonPropertyName("near_duplicate_share")]
    public required double NearDuplicateShare { get; init; }

    /// <summary>Standard deviation of the vectors' norms over their mean (0 for normalised embeddings).</summary>
    [JsonPropertyName("norm_spread")]
    public required double NormSpread { get; init; }

    /// <summary>
    /// Estimates from up to <paramref name="sample"/> points searched exactly against up to <paramref name="reference"/>
    /// (the sample drawn from them, each query leaving itself out). Angular data is compared by the angle (vectors
    /// normalised first); the norm spread is of the vectors as given.
    /// </summary>
    public static DataHardness Estimate(IReadOnlyList<float[]> vectors, bool angular, int sample = 500, int reference = 20_000, int k = DefaultK, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Count < k + 2)
        {
            throw new ArgumentException($"Hardness needs more than {k + 1} vectors; got {vectors.Count}.", nameof(vectors));
        }

        var random = new Random(seed);
        int[] chosen = Pick(vectors.Count, Math.Min(reference, vectors.Count), random);
        float[][] points = [.. chosen.Select(i => angular ? Normalised(vectors[i]) : vectors[i])];
        double[] norms = [.. chosen.Select(i => (double)TensorPrimitives.Norm(vectors[i]))];
        int[] queries = Pick(points.Length, Math.Min(sample, points.Length), random);

        var lids = new List<double>(queries.Length);
        var contrasts = new List<double>(queries.Length);
        var nearest = new double[queries.Length];
        var distances = new float[points.Length];
        var neighbours = new double[k];
        for (int q = 0; q < queries.Length; q++)
        {
            float[] query = points[queries[q]];
            double sum = 0;
            for (int i = 0; i < points.Length; i++)
            {
                distances[i] = i == queries[q] ? float.PositiveInfinity : TensorPrimitives.Distance(query, points[i]);
                sum += i == queries[q] ? 0 : distances[i];
            }

            Smallest(distances, neighbours);
            nearest[q] = neighbours[0];
            if (Lid(neighbours) is { } lid)
            {
                lids.Add(lid);
            }

            if (neighbours[0] > 0)
            {
                contrasts.Add(sum / (points.Length - 1) / neighbours[0]);
            }
        }

        double typical = Percentile([.. nearest], 0.5);
        double meanNorm = norms.Average();
        double normSd = Math.Sqrt(norms.Select(n => (n - meanNorm) * (n - meanNorm)).Average());
        return new DataHardness
        {
            Sample = queries.Length,
            Reference = points.Length,
            K = k,
            LidMean = lids.Count == 0 ? 0 : lids.Average(),
            LidP90 = lids.Count == 0 ? 0 : Percentile([.. lids], 0.9),
            RelativeContrast = contrasts.Count == 0 ? double.PositiveInfinity : Percentile([.. contrasts], 0.5),
            NearDuplicateShare = nearest.Count(d => d <= 0.05 * typical) / (double)nearest.Length,
            NormSpread = meanNorm == 0 ? 0 : normSd / meanNorm,
        };
    }

    /// <summary>-(1/k · Σ ln(r_i / r_k))⁻¹ over the neighbours at a positive distance; null when fewer than two are.</summary>
    private static double? Lid(double[] sortedDistances)
    {
        double farthest = sortedDistances[^1];
        double logSum = 0;
        int used = 0;
        foreach (double r in sortedDistances)
        {
            if (r > 0)
            {
                logSum += Math.Log(r / farthest);
                used++;
            }
        }

        return used < 2 || logSum >= 0 ? null : -used / logSum;
    }

    /// <summary>The smallest distances, ascending, into <paramref name="into"/> (its length is how many).</summary>
    private static void Smallest(float[] distances, double[] into)
    {
        Array.Fill(into, double.PositiveInfinity);
        foreach (float d in distances)
        {
            if (d >= into[^1])
            {
                continue;
            }

            int at = into.Length - 1;
            while (at > 0 && into[at - 1] > d)
            {
                into[at] = into[at - 1];
                at--;
            }

            into[at] = d;
        }
    }

    private static int[] Pick(int count, int take, Random random)
    {
        int[] all = [.. Enumerable.Range(0, count)];
        random.Shuffle(all);
        return all[..take];
    }

    private static float[] Normalised(float[] vector)
    {
        float norm = TensorPrimitives.Norm(vector);
        float[] copy = (float[])vector.Clone();
        if (norm > 0)
        {
            TensorPrimitives.Divide(copy, norm, copy);
        }

        return copy;
    }

    private static double Percentile(double[] values, double p)
    {
        Array.Sort(values);
        return values[(int)Math.Min(values.Length - 1, Math.Floor(p * values.Length))];
    }
}
