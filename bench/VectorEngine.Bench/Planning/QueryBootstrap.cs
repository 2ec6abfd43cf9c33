namespace VectorEngine.Bench.Planning;

/// <summary>The 90% range of a measured knob over resamples of the queries; a null end: the target not reached there.</summary>
/// <param name="Low">The 5th percentile.</param>
/// <param name="High">The 95th percentile.</param>
internal sealed record KnobSpread(double? Low, double? High);

/// <summary>One graph's sweep with what each query found: the knob, and each query's true neighbours found (of k).</summary>
/// <param name="Knob">The search setting.</param>
/// <param name="Hits">Per query, in query order, how many of its k true neighbours the search returned.</param>
internal readonly record struct QueryHits(int Knob, byte[] Hits);

/// <summary>
/// How far the measured knob for a recall target would move with other queries: the queries resampled with
/// replacement, the recall curve (averaged over the graphs given) read again at every knob, and the knob that crosses
/// the target found again in each draw. A prediction can only be held to ±20% of a knob the queries pin down better than
/// that: with 1,000 queries, a few hard ones decide where a flat recall curve crosses 0.95.
/// </summary>
internal static class QueryBootstrap
{
    /// <summary>Resamples drawn; the 5th and 95th percentiles of 1,000 move by about a percent between seeds.</summary>
    public const int Draws = 1000;

    /// <summary>
    /// The 5th and 95th percentiles of the knob that reaches <paramref name="target"/> over <see cref="Draws"/> resamples
    /// of the queries (the same queries drawn for every knob and graph: they are one query set). A draw in which no knob
    /// reaches the target counts as beyond every knob, so <c>High</c> is null when more than a twentieth do not.
    /// </summary>
    /// <param name="graphs">Each graph's sweep: the same knobs, each with the same number of queries.</param>
    /// <param name="k">Neighbours per query (the hits' denominator).</param>
    /// <param name="target">The recall target.</param>
    /// <param name="seed">The resampling's seed.</param>
    /// <exception cref="ArgumentException">No graph, no queries, or graphs and knobs that do not line up.</exception>
    public static KnobSpread KnobRange(IReadOnlyList<IReadOnlyList<QueryHits>> graphs, int k, double target, int seed = 1)
    {
        int[] knobs = graphs.Count > 0 ? [.. graphs[0].Select(h => h.Knob).Order()] : [];
        int queries = knobs.Length > 0 ? graphs[0][0].Hits.Length : 0;
        if (queries == 0 || k < 1 || graphs.Any(g => g.Count != knobs.Length || !g.Select(h => h.Knob).Order().SequenceEqual(knobs) || g.Any(h => h.Hits.Length != queries)))
        {
            throw new ArgumentException("Every graph needs the same knobs, each with hits for the same queries.", nameof(graphs));
        }

        byte[][][] byKnob = [.. knobs.Select(knob => graphs.Select(g => g.First(h => h.Knob == knob).Hits).ToArray())];
        var random = new Random(seed);
        var drawn = new int[queries];
        var sweep = new SweepPoint[knobs.Length];
        var found = new double[Draws];
        double denominator = (double)queries * k * graphs.Count;
        for (int draw = 0; draw < Draws; draw++)
        {
            for (int q = 0; q < queries; q++)
            {
                drawn[q] = random.Next(queries);
            }

            for (int i = 0; i < knobs.Length; i++)
            {
                long hits = 0;
                foreach (byte[] graph in byKnob[i])
                {
                    foreach (int q in drawn)
                    {
                        hits += graph[q];
                    }
                }

                sweep[i] = new SweepPoint(knobs[i], hits / denominator, 0);
            }

            found[draw] = HeldBackCheck.KnobAt(sweep, target) ?? double.PositiveInfinity;
        }

        Array.Sort(found);
        static double? Finite(double knob) => double.IsFinite(knob) ? knob : null;
        return new KnobSpread(Finite(found[(int)(0.05 * (Draws - 1))]), Finite(found[(int)Math.Ceiling(0.95 * (Draws - 1))]));
    }
}
