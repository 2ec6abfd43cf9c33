using System.CommandLine;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Bench.Commands;
using VectorEngine.Bench.Planning;
using VectorEngine.Bench.Runs;

namespace VectorEngine.Bench.Tests;

/// <summary>
/// The hardness law: ef for a recall and scored vectors per ef as powers of the data's LID p90, fitted on a table of
/// datasets, and a calibration moved by it to the user's data (bench plan --data, plan-check --check-dataset).
/// </summary>
public sealed class HardnessLawTests
{
    private const int Dim = 64;
    private static readonly int[] Efs = [10, 12, 16, 20, 24, 32, 48, 64, 96, 128, 192, 256];

    /// <summary>
    /// Datasets whose ef at each target is exactly c(target) · p90^β(target) and whose scored vectors are d(ef) · p90^γ:
    /// whatever the exponents and the LID p90 values generated, the fit recovers β and γ, every left-out transfer is
    /// exact, and the factor between two datasets is their ratio to the power.
    /// </summary>
    [Property(MaxTest = 100)]
    public Property The_fit_recovers_the_exponents_and_moves_one_dataset_onto_another_exactly()
    {
        Gen<(int Beta, int Gamma, int[] Lids)> cases =
            from beta in Gen.Choose(30, 250)
            from gamma in Gen.Choose(20, 120)
            from lids in Gen.Choose(80, 600).ArrayOf().Where(a => a.Distinct().Count() >= 3 && a.Length <= 9)
            select (beta, gamma, lids.Distinct().ToArray());
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            double beta = c.Beta / 100.0, gamma = c.Gamma / 100.0;
            HardnessRow[] rows = [.. c.Lids.Select((lid, i) => Row($"set{i}", lid / 10.0, t => 2 * Math.Pow(lid / 10.0, beta) * (1 + (10 * t)), ef => ef * Math.Pow(lid / 10.0, gamma)))];
            HardnessLaw law = HardnessLaw.Fit(rows);
            DataHardness from = Hardness(c.Lids[0] / 10.0), to = Hardness(c.Lids[1] / 10.0);
            return (law.KnobExponents.All(e => Math.Abs(e.Exponent - beta) < 1e-9 && e.TransferP90 < 1e-9)
                    && law.VisitExponents.All(e => Math.Abs(e.Exponent - gamma) < 1e-9 && e.TransferP90 < 1e-9)
                    && Math.Abs(law.KnobFactor(0.95, from, to) - Math.Pow(to.LidP90 / from.LidP90, beta)) < 1e-9
                    && Math.Abs(law.VisitFactor(40, from, to) - Math.Pow(to.LidP90 / from.LidP90, gamma)) < 1e-9)
                .Label($"β {beta}, γ {gamma}: fitted {string.Join(", ", law.KnobExponents.Select(e => e.Exponent))} / {string.Join(", ", law.VisitExponents.Select(e => e.Exponent))}");
        });
    }

    /// <summary>
    /// Between measured targets the exponent is interpolated in ln(1 / miss rate), and beyond them it is the nearest's;
    /// a move between datasets of the same hardness changes nothing.
    /// </summary>
    [Fact]
    public void Exponents_interpolate_between_targets_and_hold_beyond_them()
    {
        // β 1.0 at 0.9, 2.0 at 0.99 (and 1.3 / 1.7 at 0.95 / 0.98 off the line, so the interpolation is seen).
        double Beta(double t) => t switch { 0.9 => 1.0, 0.95 => 1.3, 0.98 => 1.7, _ => 2.0 };
        HardnessRow[] rows = [.. new[] { 15.0, 25, 40, 60 }.Select((lid, i) => Row($"set{i}", lid, t => 10 * Math.Pow(lid, Beta(t)), ef => ef * lid))];
        HardnessLaw law = HardnessLaw.Fit(rows);
        DataHardness from = Hardness(20), to = Hardness(40);
        double Exponent(double target) => Math.Log(law.KnobFactor(target, from, to)) / Math.Log(2);

        Assert.Equal(1.3, Exponent(0.95), 9);
        double middle = 1 - Math.Sqrt(0.05 * 0.02); // halfway between 0.95 and 0.98 in ln(1 / miss)
        Assert.Equal(1.5, Exponent(middle), 9);
        Assert.Equal(1.0, Exponent(0.5), 9);
        Assert.Equal(2.0, Exponent(0.999), 9);
        Assert.Equal(1.0, law.KnobFactor(0.95, from, from), 12);
    }

    /// <summary>
    /// A model moved to harder data: the knob for every target is the calibration's times the law's factor (rounded up),
    /// time per query follows the scored vectors, the recall it states at its knob still reaches the target, and its
    /// ranges widen by the law's transfer error. An IVF model is not moved; a move to the same hardness changes nothing.
    /// </summary>
    [Fact]
    public void A_moved_model_scales_the_knob_and_the_scored_vectors_and_widens_its_ranges()
    {
        double Target(double n) => 20 + (4 * Math.Log(n / 1_000));
        double Recall(int n, int ef) => 1 - (0.05 * Math.Pow(ef / Target(n), -2.0));
        var runs = SyntheticCalibration.Runs([1_000, 2_000, 4_000, 8_000], Efs, Dim, (n, ef) => 1e-6 * ef, Recall);
        CostModel model = Assert.Single(Calibration.FitAll(runs, out _));
        HardnessLaw law = HardnessLaw.Fit([.. new[] { 15.0, 25, 40, 60 }.Select((lid, i) => Row($"set{i}", lid, t => 3 * Math.Pow(lid, 1.25) * (1 + t) * (1 + (i % 2 * 0.1)), ef => ef * Math.Pow(lid, 0.6)))]);
        DataHardness calibration = Hardness(20), harder = Hardness(40);
        CostModel moved = model.ForData(law, calibration, harder);

        Assert.Null(model.Shift);
        Assert.NotNull(moved.Shift);
        foreach (double n in new[] { 16_000.0, 128_000 })
        {
            foreach (double target in new[] { 0.9, 0.95, 0.98 })
            {
                Assert.Equal(model.KnobValue(n, target)!.Value * law.KnobFactor(target, calibration, harder), moved.KnobValue(n, target)!.Value, 9);
                int knob = moved.KnobFor(n, target, k: 10)!.Value;
                Assert.True(moved.Recall(n, knob) >= target - 1e-9, $"recall {moved.Recall(n, knob)} at its own knob {knob} for {target}");
            }

            Assert.Equal(model.SecondsPerQuery(n, 64, Dim) * law.VisitFactor(64, calibration, harder), moved.SecondsPerQuery(n, 64, Dim), 12);
            Assert.True(moved.KnobRange(n, 0.95) > model.KnobRange(n, 0.95) && moved.TimeRange(n, 0.95, 40) > model.TimeRange(n, 0.95, 40));
        }

        CostModel same = model.ForData(law, calibration, calibration);
        Assert.Equal(model.KnobRange(64_000, 0.95), same.KnobRange(64_000, 0.95), 12);
        Assert.Equal(model.KnobFor(64_000, 0.95, 10), same.KnobFor(64_000, 0.95, 10));
        Assert.Contains("outside the hardness table", model.ForData(law, calibration, Hardness(90)).OutsideSupport(8_000, 40) ?? "no error stated first");
    }

    /// <summary>
    /// A report's row: ef is read only where the sweep crosses a target between two settings; a report without
    /// hardness or without counted vectors is refused by name.
    /// </summary>
    [Fact]
    public void A_row_reads_only_crossings_inside_the_sweep_and_refuses_reports_that_cannot_make_one()
    {
        HardnessRow row = HardnessRow.Of(Report(Hardness(30), counted: true), "r.json");
        Assert.Equal(["0.95", "0.98"], row.EfAt.Keys.Order());
        Assert.Equal(20, row.EfAt["0.95"], 9);
        Assert.Equal(400, row.VisitsAt["40"]);

        Assert.Equal("reports", Assert.Throws<VectorEngineArgumentException>(() => HardnessRow.Of(Report(null, counted: true), "r.json")).ParamName);
        Assert.Equal("reports", Assert.Throws<VectorEngineArgumentException>(() => HardnessRow.Of(Report(Hardness(30), counted: false), "r.json")).ParamName);

        // Recall 1 - 1/ef at ef 10, 20, 40, 80: 0.9 is where the sweep starts (no crossing), 0.99 is never reached.
        static AnnReport Report(DataHardness? hardness, bool counted)
        {
            var report = new AnnReport { Dataset = "d", Metric = "L2", N = 5_000, Dim = Dim, Hardness = hardness };
            report.Runs.AddRange(new[] { 10, 20, 40, 80 }.Select(ef => new AnnRun
            {
                Index = "hnsw", Threads = 1, K = 10, Qps = 1000.0 / ef, RecallAtK = 1 - (1.0 / ef), DistancesPerQuery = counted ? 10 * ef : null,
                SearchParams = new() { ["ef"] = ef }, BuildParams = new() { ["m"] = 16 },
            }));
            return report;
        }
    }

    /// <summary>bench hardness, bench plan --hardness-law and plan-check --check-dataset refuse what they cannot read by name, writing nothing.</summary>
    [Fact]
    public void The_commands_refuse_missing_or_too_few_reports_and_laws_by_name()
    {
        string output = Path.Combine(Path.GetTempPath(), $"law-{Guid.NewGuid():N}.json");
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.json");
        static VectorEngineArgumentException Refused(Command command, params string[] args) => Assert.Throws<VectorEngineArgumentException>(() =>
            new RootCommand { command }.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));

        Assert.Equal("reports", Refused(HardnessCommand.Create(), "hardness", "--reports", missing, "--out", output).ParamName);
        string one = Path.Combine(Path.GetTempPath(), $"one-{Guid.NewGuid():N}.json");
        try
        {
            var report = new AnnReport { Dataset = "d", Metric = "L2", N = 5_000, Dim = Dim, Hardness = Hardness(30) };
            report.Runs.AddRange(new[] { 10, 20, 40 }.Select(ef => new AnnRun
            {
                Index = "hnsw", Threads = 1, K = 10, Qps = 1, RecallAtK = 1 - (1.0 / ef), DistancesPerQuery = ef, SearchParams = new() { ["ef"] = ef },
            }));
            File.WriteAllText(one, JsonSerializer.Serialize(report));
            Assert.Contains("appears twice", Refused(HardnessCommand.Create(), "hardness", "--reports", one, one, one, "--out", output).Message);
        }
        finally
        {
            File.Delete(one);
        }

        Assert.False(File.Exists(output));
        Assert.Equal("hardness-law", Refused(PlanCommand.Create(), "plan", "--vectors", "1M", "--dim", "128", "--p95-ms", "20", "--qps", "100", "--json", output, "--hardness-law", missing).ParamName);
        Assert.Equal("hardness-law", Refused(PlanCheckCommand.Create(), "plan-check", "--dataset", missing, "--calibrate", "1000,2000", "--check", "4000", "--check-dataset", missing, "--hardness-law", missing, "--out", output).ParamName);
        Assert.False(File.Exists(output));
    }

    private static DataHardness Hardness(double lidP90) => new()
    {
        Sample = 500, Reference = 20_000, K = 20, LidMean = lidP90 * 0.7, LidP90 = lidP90, RelativeContrast = 2, NearDuplicateShare = 0, NormSpread = 0,
    };

    /// <summary>A table row with ef at each target and scored vectors at each ef from the given laws.</summary>
    private static HardnessRow Row(string name, double lidP90, Func<double, double> efAt, Func<int, double> visitsAt) => new()
    {
        Dataset = name,
        Dimension = Dim,
        Points = 10_000,
        Series = "hnsw m=16",
        Hardness = Hardness(lidP90),
        EfAt = HardnessLaw.Targets.ToDictionary(HardnessLaw.Key, efAt),
        VisitsAt = Efs.ToDictionary(ef => HardnessLaw.Key(ef), visitsAt),
    };
}
