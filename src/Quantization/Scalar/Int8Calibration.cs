using VectorEngine.Distances.Engine;
using VectorEngine.Indexing;
using VectorEngine.Indexing.Scoring;
using VectorEngine.Segments;

namespace VectorEngine.Quantization.Scalar;

/// <summary>What training chose for int8 codes, and the recall it measured for the choice.</summary>
/// <param name="Granularity">One range per dimension or per collection.</param>
/// <param name="Quantile">The central fraction of values the ranges cover.</param>
/// <param name="Oversampling">Candidates per result that recovered the float top 10 on the sample.</param>
/// <param name="Recall">Recall@10 of the codes alone (no rescoring) on the sample.</param>
/// <param name="PreciseQuery">Whether searches hold the query to 16 bits (<see cref="Int8PreciseScorer"/>) rather than 8.</param>
/// <param name="Outliers">Dimensions kept as floats beside the codes (<see cref="Int8Codebook.Outliers"/>).</param>
internal sealed record Int8Choice(Int8Granularity Granularity, double Quantile, double Oversampling, double Recall, bool PreciseQuery = false, int Outliers = 0)
{
    /// <summary>For segments too small to measure anything on: one full range, the old default oversampling.</summary>
    public static Int8Choice Untrained(Int8Parameters parameters) =>
        new(parameters.Granularity == Int8Granularity.Dimension ? Int8Granularity.Dimension : Int8Granularity.Collection,
            parameters.Quantile ?? 1.0, 2.0, double.NaN);
}

/// <summary>
/// Chooses int8 code ranges and the default oversampling from the data: rows of a sample serve as queries against the
/// rest of it, the float top 10 is the truth, and each candidate codebook (granularity × quantile, as far as the
/// parameters leave them open) is scored by how much of that truth its codes find. The oversampling is then the
/// smallest that, rescoring its candidates with the floats, recovers <see cref="TargetRecall"/> of the truth.
/// Each candidate is tried with and without the dominant dimensions kept as floats (<see cref="Int8Ranges.Outliers"/>),
/// and with the query held to 8 bits or to 16 (<see cref="Int8PreciseScorer"/>, a second multiply-add per code byte);
/// the 16-bit query is taken only when the best 8-bit choice needs more than
/// <see cref="MaxEightBitOversampling"/> candidates per result and the 16-bit one needs fewer: on data with a few dominant
/// dimensions 8 bits of query leave the other dimensions almost no precision, and no code range helps that.
/// </summary>
/// <remarks>
/// A sample of a few thousand rows has sparser neighbourhoods than the segment, so codes look a little better on it
/// than on the whole: the target sits close to 1 to leave room for that.
/// </remarks>
internal static class Int8Calibration
{
    /// <summary>Quantiles tried when the parameters leave the quantile open.</summary>
    public static readonly double[] Quantiles = [1.0, 0.9999, 0.999, 0.99];

    /// <summary>Oversampling values tried, smallest first.</summary>
    public static readonly double[] Ladder = [1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0];

    /// <summary>Fraction of the float top 10 the rescored candidates must recover on the sample.</summary>
    public const double TargetRecall = 0.998;

    /// <summary>
    /// Recall@10 of the codes alone below which the oversampling is at least 2. Measured on a data shape with one dominant
    /// dimension (cosine): codes at 0.974 with oversampling 1.25 searched at ef=16 (a beam of 16) found 0.937 of the top
    /// 10 where the float graph found 0.954, though rescoring 13 brute-force code candidates recovered 99.8%.
    /// </summary>
    public const double SteeringRecall = 0.98;

    /// <summary>The most oversampling the 8-bit query may need before the 16-bit one is considered.</summary>
    public const double MaxEightBitOversampling = 2.0;

    private const int K = 10;
    private const int MaxBaseRows = 5_000;
    private const int MaxQueries = 250;

    /// <summary>Below this many rows nothing is measured: <see cref="Int8Choice.Untrained"/>.</summary>
    private const int MinRows = 200;

    /// <summary>Trains the codebook for <paramref name="store"/> and returns it with what was chosen.</summary>
    public static (Int8Codebook Codebook, Int8Choice Choice) Train(IVectorStore store, Int8Parameters parameters)
    {
        int n = Math.Min(store.Count, parameters.SampleSize);
        uint[] rows = Spread(store.Count, n);
        double[] quantiles = parameters.Quantile is { } fixedQuantile ? [fixedQuantile] : Quantiles;
        Int8Ranges ranges = Int8Ranges.Measure(store, rows, quantiles);
        Int8Granularity[] granularities = parameters.Granularity == Int8Granularity.Auto
            ? [Int8Granularity.Collection, Int8Granularity.Dimension]
            : [parameters.Granularity];
        if (n < MinRows)
        {
            Int8Choice untrained = Int8Choice.Untrained(parameters);
            return (ranges.Codebook(untrained.Granularity, 0, withOutliers: false), untrained);
        }

        using var sample = new GrowableVectorStore(store.Dimension, store.Metric, Math.Min(n, MaxBaseRows));
        foreach (uint row in Spread(n, Math.Min(n, MaxBaseRows)))
        {
            sample.Append(store.GetVector(rows[row]));
        }

        uint[] queries = Spread(sample.Count, Math.Min(MaxQueries, sample.Count / 10));
        uint[][] truth = Truth(sample, queries);
        (Int8Codebook Codebook, Int8Choice Choice) Best(bool precise)
        {
            (Int8Codebook Codebook, Int8Choice Choice)? best = null;
            foreach (Int8Granularity granularity in granularities)
            {
                for (int q = 0; q < quantiles.Length; q++)
                {
                    foreach (bool withOutliers in ranges.Outliers.Length > 0 ? [false, true] : new[] { false })
                    {
                        Int8Codebook codebook = ranges.Codebook(granularity, q, withOutliers);
                        double[] recall = Recall(sample, parameters, codebook, precise, queries, truth);
                        if (best is null || recall[0] > best.Value.Choice.Recall)
                        {
                            best = (codebook, new Int8Choice(granularity, quantiles[q], PickOversampling(recall), recall[0], precise, codebook.Outliers.Length));
                        }
                    }
                }
            }

            return best!.Value;
        }

        (Int8Codebook Codebook, Int8Choice Choice) eightBit = Best(precise: false);
        if (eightBit.Choice.Oversampling <= MaxEightBitOversampling)
        {
            return eightBit;
        }

        (Int8Codebook Codebook, Int8Choice Choice) sixteenBit = Best(precise: true);
        return sixteenBit.Choice.Oversampling < eightBit.Choice.Oversampling ? sixteenBit : eightBit;
    }

    /// <summary><paramref name="count"/> evenly spaced offsets in [0, <paramref name="of"/>): deterministic, and spread over the whole range.</summary>
    private static uint[] Spread(int of, int count) =>
        Enumerable.Range(0, count).Select(i => (uint)((long)i * of / count)).ToArray();

    private static double PickOversampling(double[] recall)
    {
        // Codes that misorder the top 10 more often also steer a narrow beam off course, which rescoring cannot undo:
        // they get at least twice the candidates.
        double floor = recall[0] < SteeringRecall ? 2.0 : 1.0;
        for (int i = 0; i < Ladder.Length; i++)
        {
            if (Ladder[i] >= floor && recall[i + 1] >= TargetRecall)
            {
                return Ladder[i];
            }
        }

        return Ladder[^1];
    }

    /// <summary>The float top 10 of each query row among the other rows of the sample.</summary>
    private static unsafe uint[][] Truth(GrowableVectorStore sample, uint[] queries)
    {
        var truth = new uint[queries.Length][];
        Parallel.For(0, queries.Length, () => new TopKCollector(K + 1), (i, _, top) =>
        {
            top.Reset(K + 1);
            float* query = sample.Base + ((nint)queries[i] * sample.Stride);
            if (sample.Metric == DistanceMetric.L2)
            {
                Scan(new FloatRowScorer<L2SquaredKernel>(query, sample.Base, sample.Stride), sample.Count, top);
            }
            else
            {
                Scan(new FloatRowScorer<NegativeDotKernel>(query, sample.Base, sample.Stride), sample.Count, top);
            }

            truth[i] = Drain(top).Where(o => o != queries[i]).Take(K).ToArray();
            return top;
        }, _ => { });
        return truth;
    }

    /// <summary>
    /// Element 0: recall@10 of the codes alone; element i + 1: recall@10 after rescoring the best
    /// 10 · <see cref="Ladder"/>[i] code candidates with the floats.
    /// </summary>
    private static unsafe double[] Recall(GrowableVectorStore sample, Int8Parameters parameters, Int8Codebook codebook, bool precise, uint[] queries,
        uint[][] truth)
    {
        using var codes = new Int8Codes(sample, parameters, codebook, Int8Choice.Untrained(parameters));
        codes.Add(0);
        int widest = (int)(K * Ladder[^1]) + 1;
        var found = new long[Ladder.Length + 1];
        Parallel.For(0, queries.Length, () => (Scratch: new ScratchBuffer(), Top: new TopKCollector(widest), Found: new long[Ladder.Length + 1]), (i, _, local) =>
        {
            uint self = queries[i];
            local.Top.Reset(widest);
            if (precise)
            {
                Scan(codes.PreparePrecise(sample.GetVector(self), local.Scratch), sample.Count, local.Top);
            }
            else
            {
                Scan(codes.Prepare(sample.GetVector(self), local.Scratch), sample.Count, local.Top);
            }

            uint[] candidates = Drain(local.Top).Where(o => o != self).ToArray();
            var expected = new HashSet<uint>(truth[i]);
            local.Found[0] += candidates.Take(K).Count(expected.Contains);
            float* query = sample.Base + ((nint)self * sample.Stride);
            for (int l = 0; l < Ladder.Length; l++)
            {
                IEnumerable<uint> rescored = candidates.Take((int)Math.Ceiling(K * Ladder[l]))
                    .OrderBy(o => sample.Metric == DistanceMetric.L2
                        ? new FloatRowScorer<L2SquaredKernel>(query, sample.Base, sample.Stride).Distance(o)
                        : new FloatRowScorer<NegativeDotKernel>(query, sample.Base, sample.Stride).Distance(o))
                    .Take(K);
                local.Found[l + 1] += rescored.Count(expected.Contains);
            }

            return local;
        }, local =>
        {
            lock (found)
            {
                for (int l = 0; l < found.Length; l++)
                {
                    found[l] += local.Found[l];
                }
            }
        });
        long total = truth.Sum(t => (long)t.Length);
        return found.Select(f => total == 0 ? 1.0 : (double)f / total).ToArray();
    }

    private static void Scan<TScorer>(TScorer scorer, int count, TopKCollector top)
        where TScorer : struct, IVectorScorer
    {
        for (uint row = 0; row < count; row++)
        {
            float distance = scorer.Distance(row);
            if (distance < top.Threshold)
            {
                top.Add(distance, row);
            }
        }
    }

    private static uint[] Drain(TopKCollector top)
    {
        var distances = new float[top.Count];
        var offsets = new uint[top.Count];
        top.DrainSorted(distances, offsets);
        return offsets;
    }
}
