using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Bench.Commands;
using VectorEngine.Bench.Planning;

namespace VectorEngine.Bench.Tests;

/// <summary>
/// plan-check over several graphs (<c>--rebuild</c>): each repetition's graph reaches the target at its own knob, and
/// the check compares once more against the repetitions' recall averaged per size and knob (repetition 0).
/// </summary>
public sealed class PlanCheckOverGraphsTests
{
    private const int Dim = 64;
    private static readonly int[] Efs = [10, 12, 16, 20, 24, 32, 48, 64, 96, 128, 192, 256];
    private static readonly int[] Calibrate = [2_000, 4_000, 8_000];

    /// <summary>One graph timed twice, or a single repetition, has nothing to average: no repetition 0.</summary>
    [Fact]
    public void The_same_graph_repeated_gives_no_mean_row()
    {
        List<MeasuredSweep> twice = [.. Sweeps(1, 32), .. Sweeps(2, 32)];
        Assert.Null(PlanCheckCommand.OverGraphs([.. Sweeps(1, 32)]));
        Assert.Null(PlanCheckCommand.OverGraphs(twice));
        Assert.DoesNotContain(Compare(twice).Rows, r => r.Repetition == 0);
    }

    /// <summary>Over three graphs: recall, index bytes and scored vectors are averaged per size and knob; QPS is the median.</summary>
    [Fact]
    public void The_mean_row_averages_recall_and_takes_the_median_qps()
    {
        List<MeasuredSweep> sweeps = [.. Sweeps(1, 24, qps: 1.0), .. Sweeps(2, 32, qps: 3.0), .. Sweeps(3, 48, qps: 1.2)];
        IReadOnlyList<MeasuredSweep> mean = PlanCheckCommand.OverGraphs(sweeps)!;
        Assert.Equal(sweeps.Count / 3, mean.Count);
        foreach (MeasuredSweep m in mean)
        {
            MeasuredSweep[] same = [.. sweeps.Where(s => s.Points == m.Points && s.Ef == m.Ef)];
            Assert.Equal(0, m.Repetition);
            Assert.Equal(same.Average(s => s.Recall), m.Recall, 12);
            Assert.Equal(same[2].Qps, m.Qps, 9);
            Assert.Equal(same.Average(s => s.DistancesPerQuery!.Value), m.DistancesPerQuery!.Value, 9);
        }

        // A saved result keeps how it was measured and its sweeps; the mean row is made again from them, not saved as sweeps.
        PlanCheckResult result = Compare(sweeps) with { Measured = new CheckSettings(16, 100, 1_000, 10, 2, Rebuild: true) };
        PlanCheckResult saved = System.Text.Json.JsonSerializer.Deserialize<PlanCheckResult>(System.Text.Json.JsonSerializer.Serialize(result))!;
        Assert.Equal(result.Measured, saved.Measured);
        Assert.Equal(sweeps.Count, saved.Sweeps.Count);
        Assert.Equal([1, 2, 3, 0], Compare(saved.Sweeps).Rows.Select(r => r.Repetition));
    }

    /// <summary>
    /// Whatever the graphs' recall curves (miss = c · (ef / ef0)^-β at every size, c, β and ef0 drawn per graph), the
    /// mean row's measured knob lies between the swept settings that enclose the knobs the graphs measured alone (the
    /// mean curve crosses the target where the graphs do; inside a step, interpolating the mean of miss rates need not
    /// fall between the graphs' own interpolations), and the rows are the repetitions' and then the mean's.
    /// </summary>
    [Property(MaxTest = 100)]
    public Property The_mean_knob_lies_between_the_graphs_knobs()
    {
        Gen<(int Ef0, int Beta)[]> graphs = Gen.Zip(Gen.Choose(14, 120), Gen.Choose(8, 30)).ArrayOf().Where(a => a.Length is >= 2 and <= 4);
        return Prop.ForAll(graphs.ToArbitrary(), g =>
        {
            List<MeasuredSweep> sweeps = [.. g.SelectMany((graph, i) => Sweeps(i + 1, graph.Item1, beta: graph.Item2 / 10.0))];
            PlanCheckResult result = Compare(sweeps);
            double[] alone = [.. result.Rows.Where(r => r.Repetition > 0).Select(r => r.MeasuredKnob!.Value)];
            CheckRow? mean = result.Rows.LastOrDefault();
            bool distinct = g.Select(x => x).Distinct().Count() > 1;
            return (distinct
                    ? mean is { Repetition: 0, MeasuredKnob: { } knob } && knob >= Efs.Last(e => e <= alone.Min() + 1e-9) && knob <= Efs.First(e => e >= alone.Max() - 1e-9)
                    : result.Rows.All(r => r.Repetition > 0))
                .Label($"alone {string.Join(", ", alone)}; mean {mean?.MeasuredKnob}");
        });
    }

    private static PlanCheckResult Compare(IReadOnlyList<MeasuredSweep> sweeps)
    {
        int repetitions = sweeps.Max(s => s.Repetition);
        var settings = new PlanCheckCommand.Settings("x", Calibrate, [64_000], 0.95, Efs, M: 16, EfConstruction: 100, Repeat: repetitions, Queries: 100, K: 10);
        return PlanCheckCommand.Compare("x", Dim, sweeps, settings, MachineCostModelTests.Machine());
    }

    /// <summary>
    /// One graph's sweeps at the calibration sizes and 64k: recall 1 - 0.05 · (ef / knob(n))^-β, where knob(n) grows
    /// with ln n from <paramref name="ef0"/> at 2k points, so the graph reaches 0.95 at exactly knob(n).
    /// </summary>
    private static IEnumerable<MeasuredSweep> Sweeps(int repetition, int ef0, double beta = 1.5, double qps = 1.0)
    {
        foreach (int n in Calibrate.Append(64_000))
        {
            double knob = ef0 * (1 + (0.2 * Math.Log2(n / 2_000.0)));
            foreach (int ef in Efs)
            {
                yield return new MeasuredSweep(repetition, n, ef, 1 - Math.Min(0.9, 0.05 * Math.Pow(ef / knob, -beta)), qps * 1e6 / ef,
                    SyntheticCalibration.IndexBytes(n), 4 * Dim, ef * (2 + (0.3 * Math.Log(n))));
            }
        }
    }
}
