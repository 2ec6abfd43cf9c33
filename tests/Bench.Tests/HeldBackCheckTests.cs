using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Bench.Planning;

namespace VectorEngine.Bench.Tests;

/// <summary>
/// The held-back check's arithmetic: reading the knob for a recall target and the QPS there off a measured sweep.
/// </summary>
public sealed class HeldBackCheckTests
{
    /// <summary>
    /// A sweep whose miss rate follows a power law in the knob and whose QPS falls as one: the target's knob and the QPS
    /// there are read back exactly (the interpolation follows the same laws), wherever the target falls in the sweep.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property The_target_is_read_back_exactly_off_a_power_law_sweep()
    {
        Gen<(int Scale, int Slope, int QpsSlope, int Target)> cases =
            from scale in Gen.Choose(5, 60)
            from slope in Gen.Choose(5, 30)
            from qpsSlope in Gen.Choose(3, 12)
            from target in Gen.Choose(0, 1000)
            select (scale, slope, qpsSlope, target);
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            // miss = scale/100 · (knob/8)^-(slope/10), QPS = 1e5 · knob^-(qpsSlope/10), over knobs 8..256.
            double Miss(double knob) => c.Scale / 100.0 * Math.Pow(knob / 8, -c.Slope / 10.0);
            double Qps(double knob) => 1e5 * Math.Pow(knob, -c.QpsSlope / 10.0);
            int[] knobs = [8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256];
            SweepPoint[] sweep = [.. knobs.Reverse().Select(k => new SweepPoint(k, 1 - Miss(k), Qps(k)))];

            // A target between the sweep's first and last recall.
            double miss = Math.Exp(Math.Log(Miss(8)) + (c.Target / 1000.0 * (Math.Log(Miss(256)) - Math.Log(Miss(8)))));
            double exact = 8 * Math.Pow(miss / (c.Scale / 100.0), -10.0 / c.Slope);
            double knob = HeldBackCheck.KnobAt(sweep, 1 - miss)!.Value;
            Assert.Equal(exact, knob, exact * 1e-6);
            Assert.Equal(Qps(exact), HeldBackCheck.QpsAt(sweep, knob), Qps(exact) * 1e-6);
        });
    }

    [Fact]
    public void A_target_no_setting_reaches_or_every_setting_reaches_is_said_so()
    {
        SweepPoint[] sweep = [new(10, 0.80, 1000), new(20, 0.90, 600), new(40, 0.94, 300)];
        Assert.Null(HeldBackCheck.KnobAt(sweep, 0.95));
        Assert.Equal(10, HeldBackCheck.KnobAt(sweep, 0.5));
        Assert.Equal(1000, HeldBackCheck.QpsAt(sweep, 5));
        Assert.Equal(300, HeldBackCheck.QpsAt(sweep, 80));
    }
}
