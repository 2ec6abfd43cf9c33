using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Bench.Commands;
using VectorEngine.Bench.Planning;

namespace VectorEngine.Bench.Tests;

/// <summary>
/// The measured knob's spread over the queries: resampling them with replacement moves where the recall curve crosses
/// the target, by as much as the queries disagree, and less the more queries there are.
/// </summary>
public sealed class QueryBootstrapTests
{
    private const int K = 10;
    private static readonly int[] Knobs = [10, 16, 24, 32, 48, 64, 96, 128];

    /// <summary>
    /// Queries that all find the same number at every knob leave nothing to resample: the range is the full sample's
    /// knob at both ends, whatever the curve and the number of queries.
    /// </summary>
    [Property(MaxTest = 100)]
    public Property Queries_that_agree_pin_the_knob_exactly()
    {
        Gen<(int[] Steps, int Queries)> cases =
            from steps in Gen.Choose(0, 3).ArrayOf(Knobs.Length)
            from queries in Gen.Choose(1, 300)
            select (steps, queries);
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            int[] hits = [.. c.Steps.Select((_, i) => Math.Min(K, 6 + c.Steps.Take(i + 1).Sum()))];
            QueryHits[] graph = [.. Knobs.Select((knob, i) => new QueryHits(knob, Enumerable.Repeat((byte)hits[i], c.Queries).ToArray()))];
            double? full = HeldBackCheck.KnobAt([.. Knobs.Select((knob, i) => new SweepPoint(knob, hits[i] / (double)K, 0))], 0.95);
            KnobSpread spread = QueryBootstrap.KnobRange([graph], K, 0.95);
            return (spread.Low == full && spread.High == full).Label($"full {full}, range {spread.Low}-{spread.High}");
        });
    }

    /// <summary>
    /// Queries drawn alike, a fifth of them hard (their recall climbs slowly with the knob): the range holds the full
    /// sample's knob, and sixteen times the queries narrow it about four times (the bootstrap's square root).
    /// </summary>
    [Fact]
    public void More_queries_narrow_the_range_by_their_square_root()
    {
        double Width(int queries, out double full, out KnobSpread spread)
        {
            QueryHits[] graph = Graph(queries, new Random(7));
            full = HeldBackCheck.KnobAt([.. graph.Select(h => new SweepPoint(h.Knob, h.Hits.Average(x => (double)x) / K, 0))], 0.95)!.Value;
            spread = QueryBootstrap.KnobRange([graph], K, 0.95);
            return spread.High!.Value - spread.Low!.Value;
        }

        double few = Width(250, out double fewKnob, out KnobSpread fewSpread);
        double many = Width(4_000, out double manyKnob, out KnobSpread manySpread);
        Assert.InRange(fewKnob, fewSpread.Low!.Value, fewSpread.High!.Value);
        Assert.InRange(manyKnob, manySpread.Low!.Value, manySpread.High!.Value);
        Assert.InRange(many / few, 0.15, 0.4);
    }

    /// <summary>
    /// The same graph given three times is that graph: the same draws, the same range. Over graphs that differ, the
    /// range is the averaged curve's; graphs that do not line up are refused.
    /// </summary>
    [Fact]
    public void Over_graphs_the_averaged_curve_is_resampled()
    {
        QueryHits[] one = Graph(500, new Random(3));
        Assert.Equal(QueryBootstrap.KnobRange([one], K, 0.95), QueryBootstrap.KnobRange([one, one, one], K, 0.95));

        QueryHits[] other = Graph(500, new Random(4));
        KnobSpread both = QueryBootstrap.KnobRange([one, other], K, 0.95);
        Assert.True(both.Low < both.High, $"{both}");

        Assert.Throws<ArgumentException>(() => QueryBootstrap.KnobRange([one, Graph(400, new Random(4))], K, 0.95));
        Assert.Throws<ArgumentException>(() => QueryBootstrap.KnobRange([one, one[1..]], K, 0.95));
        Assert.Throws<ArgumentException>(() => QueryBootstrap.KnobRange([], K, 0.95));
    }

    /// <summary>
    /// plan-check states the range for every row whose sweeps kept their hits (the mean row's over all graphs), keeps
    /// the hits through a saved result, and states none for sweeps saved without them.
    /// </summary>
    [Fact]
    public void Plan_check_states_the_range_where_the_hits_were_kept()
    {
        int[] calibrate = [2_000, 4_000, 8_000];
        var sweeps = new List<MeasuredSweep>();
        foreach (int repetition in new[] { 1, 2 })
        {
            var random = new Random(repetition);
            foreach (int n in calibrate.Append(64_000))
            {
                QueryHits[] graph = Graph(300, random, hardShare: 0.1 * repetition);
                sweeps.AddRange(graph.Select(h => new MeasuredSweep(repetition, n, h.Knob, h.Hits.Average(x => (double)x) / K, 1e6 / h.Knob,
                    SyntheticCalibration.IndexBytes(n), 256, h.Knob * (2 + (0.3 * Math.Log(n))))
                {
                    Hits = n == 64_000 ? h.Hits : null,
                }));
            }
        }

        var settings = new PlanCheckCommand.Settings("x", calibrate, [64_000], 0.95, Knobs, M: 16, EfConstruction: 100, Repeat: 2, Queries: 300, K: K);
        PlanCheckResult result = PlanCheckCommand.Compare("x", 64, sweeps, settings, MachineCostModelTests.Machine());
        Assert.Equal([1, 2, 0], result.Rows.Select(r => r.Repetition));
        foreach (CheckRow row in result.Rows)
        {
            Assert.NotNull(row.MeasuredKnobSpread);
            Assert.InRange(row.MeasuredKnob!.Value, row.MeasuredKnobSpread.Low!.Value, row.MeasuredKnobSpread.High!.Value);
        }

        PlanCheckResult saved = System.Text.Json.JsonSerializer.Deserialize<PlanCheckResult>(System.Text.Json.JsonSerializer.Serialize(result))!;
        Assert.Equal(result.Rows.Select(r => r.MeasuredKnobSpread), PlanCheckCommand.Compare("x", 64, saved.Sweeps, settings, MachineCostModelTests.Machine()).Rows.Select(r => r.MeasuredKnobSpread));

        List<MeasuredSweep> withoutHits = [.. sweeps.Select(s => s with { Hits = null })];
        Assert.All(PlanCheckCommand.Compare("x", 64, withoutHits, settings, MachineCostModelTests.Machine()).Rows, r => Assert.Null(r.MeasuredKnobSpread));

        // A saved file whose repetitions swept other efs at the held-back size still compares; only the row over graphs has no range.
        List<MeasuredSweep> uneven = [.. sweeps.Where(s => !(s.Repetition == 2 && s.Points == 64_000 && s.Ef == Knobs[^1]))];
        CheckRow[] rows = [.. PlanCheckCommand.Compare("x", 64, uneven, settings, MachineCostModelTests.Machine()).Rows];
        Assert.Equal([true, true, false], rows.Select(r => r.MeasuredKnobSpread is not null));
    }

    /// <summary>
    /// Queries of two kinds: most find 10 of 10 from knob 16 on; the hard ones (<paramref name="hardShare"/>) find a
    /// share that climbs with the knob, each at its own pace, so the curve's crossing of 0.95 depends on which are drawn.
    /// </summary>
    private static QueryHits[] Graph(int queries, Random random, double hardShare = 0.2)
    {
        double[] pace = [.. Enumerable.Range(0, queries).Select(_ => random.NextDouble() < hardShare ? 20 + (random.NextDouble() * 100) : 0)];
        return [.. Knobs.Select(knob => new QueryHits(knob, [.. pace.Select(p =>
            (byte)(p == 0 ? (knob >= 16 ? K : K - 1) : Math.Min(K, (int)Math.Floor(K * (1 - (0.6 * Math.Exp(-knob / p)))))))]))];
    }
}
