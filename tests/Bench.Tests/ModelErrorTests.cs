using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Bench.Planning;
using VectorEngine.Bench.Runs;

namespace VectorEngine.Bench.Tests;

/// <summary>
/// The planner's stated error: sizes left out of the calibration in turn, the model refitted below them and compared
/// with what was measured there; ranges that widen with extrapolation; and the line past which a plan is not supported.
/// </summary>
public sealed class ModelErrorTests
{
    private const int Dim = 64;
    private static readonly int[] Efs = [16, 32, 64];

    [Fact]
    public void An_exact_power_law_cross_validates_with_no_error()
    {
        CostModel model = Fit([10_000, 20_000, 40_000, 80_000], (n, ef) => 2e-6 * Math.Pow(ef, 0.8) * Math.Pow(n, 0.1));
        ModelError error = model.Error!;
        Assert.Equal(2, error.Folds);
        Assert.Equal(2.0, error.StepFactor, 9);
        Assert.True(error.TimeLogRms < 1e-9, $"time rms {error.TimeLogRms}");
        Assert.True(error.MemoryRelative < 1e-9, $"memory {error.MemoryRelative}");

        // The knob is searched on a 5% grid: a recall measured at ef 32 is reached at most one grid step away.
        Assert.True(error.KnobLogRms < Math.Log(1.06), $"knob rms {error.KnobLogRms}");
        Assert.Null(model.OutsideSupport(160_000, 64));
    }

    [Fact]
    public void A_bend_beyond_the_first_sizes_shows_as_error_and_the_range_covers_the_next_size()
    {
        // Time grows like n^0.1 to 20k points, then like n^0.35 (the index outgrew a cache): a fold fitted on 10k and
        // 20k predicts 40k too fast.
        static double Seconds(int n, int ef) => 2e-6 * Math.Pow(ef, 0.8) * (n <= 20_000 ? Math.Pow(n, 0.1) : Math.Pow(20_000, 0.1) * Math.Pow(n / 20_000.0, 0.35));
        CostModel model = Fit([10_000, 20_000, 40_000, 80_000], Seconds);
        ModelError error = model.Error!;
        Assert.True(error.TimeLogBias < -0.05, $"bias {error.TimeLogBias}: the early fold predicts fast");
        Assert.InRange(error.TimeLogRms, 0.05, 0.2);

        // The plan's range at 160k and 320k holds the true time, and is wider at 320k.
        foreach (int n in (int[])[160_000, 320_000])
        {
            double predicted = model.SecondsPerQuery(n, 32, Dim), factor = error.TimeFactor(n, 80_000);
            Assert.InRange(Seconds(n, 32), predicted / factor, predicted * factor);
        }

        Assert.True(error.TimeFactor(320_000, 80_000) > error.TimeFactor(160_000, 80_000));
    }

    /// <summary>
    /// Any power law in ef and n with noise of up to ε in each measured time: the cross-validated time error is at
    /// most 6ε (each fold's slope rests on two noisy levels one step apart, extrapolated one step, plus the held-out
    /// run's own noise), and exactly measured laws give none.
    /// </summary>
    [Property(MaxTest = 200)]
    public Property The_cross_validated_error_is_bounded_by_the_noise()
    {
        Gen<(int EfExp, int NExp, int Noise, int[] Signs)> cases =
            from efExp in Gen.Choose(30, 120)
            from nExp in Gen.Choose(0, 60)
            from noise in Gen.Choose(0, 50)
            from signs in Gen.ArrayOf(Gen.Choose(-1000, 1000), 12)
            select (efExp, nExp, noise, signs);
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            double epsilon = c.Noise / 1000.0;
            int call = 0;
            double Seconds(int n, int ef) =>
                1e-6 * Math.Pow(ef, c.EfExp / 100.0) * Math.Pow(n, c.NExp / 100.0) * Math.Exp(epsilon * c.Signs[call++ % c.Signs.Length] / 1000.0);
            ModelError error = Fit([5_000, 10_000, 20_000, 40_000], Seconds).Error!;
            Assert.True(error.TimeLogRms <= (6 * epsilon) + 1e-9, $"rms {error.TimeLogRms} with noise {epsilon}");
        });
    }

    [Fact]
    public void Plans_beyond_three_steps_too_high_a_knob_or_too_few_sizes_are_outside_support()
    {
        CostModel model = Fit([10_000, 20_000, 40_000, 80_000], (n, ef) => 2e-6 * Math.Pow(ef, 0.8) * Math.Pow(n, 0.1));
        Assert.Null(model.OutsideSupport(640_000, 128));
        Assert.Contains("beyond the largest calibrated size", model.OutsideSupport(10_000_000, 32));
        Assert.Contains("more than twice the largest calibrated", model.OutsideSupport(100_000, 200));

        CostModel two = Fit([10_000, 20_000], (n, ef) => 2e-6 * Math.Pow(ef, 0.8) * Math.Pow(n, 0.1));
        Assert.Null(two.Error);
        Assert.Contains("three", two.OutsideSupport(40_000, 32));
    }

    /// <summary>Runs at every size and ef with the given time, a known recall law and linear memory.</summary>
    private static CostModel Fit(int[] sizes, Func<int, int, double> seconds) =>
        Assert.Single(Calibration.FitAll(
            SyntheticCalibration.Runs(sizes, Efs, Dim, seconds, (n, ef) => 1 - (0.05 * Math.Pow(ef / 16.0, -2) * Math.Pow(n / 1e4, 0.5))), out _));
}
