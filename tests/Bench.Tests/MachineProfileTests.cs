using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Bench.Machine;

namespace VectorEngine.Bench.Tests;

/// <summary><c>bench machine</c>: level detection on curves of known shape, the probe on this machine, and the cache.</summary>
public sealed class MachineProfileTests
{
    [Fact]
    public void Levels_and_their_capacities_come_from_the_curve_not_from_what_the_cpu_claims()
    {
        // 48 KiB L1 at 1 ns (the VM says so; 64 KiB already misses), L2 at 3.5 ns to 1 MiB, two working sets on the
        // way to L3 at ~12.5 ns to 64 MiB, one on the way to memory at ~95 ns.
        LatencySample[] curve = Curve([1.0, 1.0, 3.3, 3.4, 3.5, 3.6, 3.7, 6, 9, 12, 12.5, 13, 14, 40, 85, 95, 100]);
        var levels = MemoryLevels.Detect(curve);
        Assert.Equal(["L1", "L2", "L3", "memory"], levels.Select(l => l.Name));
        Assert.Equal([32L << 10, 1L << 20, 64L << 20, long.MaxValue], levels.Select(l => l.Capacity));
        Assert.Equal([1.0, 3.5, 12.75, 95], levels.Select(l => Math.Round(l.Nanoseconds, 2)));
        Assert.Equal(1L << 30, levels[^1].ProbeBytes);
    }

    /// <summary>
    /// Any staircase (two to five levels, each two to five doublings long and 2.5x to 8x slower than the one inside it,
    /// reached through up to two working sets on the way, with noise of up to 8% anywhere) is read back as that many
    /// levels with those capacities.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property A_staircase_with_noise_is_read_back_level_for_level()
    {
        Gen<(int Doublings, double Step, int Between)> level =
            from doublings in Gen.Choose(2, 5)
            from step in Gen.Choose(25, 80)
            from between in Gen.Choose(0, 2)
            select (doublings, step / 10.0, between);
        Gen<((int Doublings, double Step, int Between)[] Levels, int[] Noise)> cases =
            from count in Gen.Choose(2, 5)
            from levels in Gen.ArrayOf(level, count)
            from noise in Gen.ArrayOf(Gen.Choose(0, 80), 40)
            select (levels, noise);
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var ns = new List<double>();
            var capacities = new List<long>();
            double latency = 1;
            double Noisy(double value) => value * (1 + (c.Noise[ns.Count % c.Noise.Length] / 1000.0));
            for (int l = 0; l < c.Levels.Length; l++)
            {
                (int doublings, double step, int between) = c.Levels[l];
                for (int d = 0; d < doublings; d++)
                {
                    ns.Add(Noisy(latency));
                }

                capacities.Add(MachineProbe.SmallestBytes << (ns.Count - 1));
                if (l < c.Levels.Length - 1)
                {
                    // Working sets on the way to the next level, spread geometrically between the two latencies.
                    for (int b = 1; b <= between; b++)
                    {
                        ns.Add(Noisy(latency * Math.Pow(step, b / (between + 1.0))));
                    }
                }

                latency *= step;
            }

            var found = MemoryLevels.Detect(Curve([.. ns]));
            capacities[^1] = long.MaxValue;
            return found.Select(l => l.Capacity).SequenceEqual(capacities)
                .Label($"curve {string.Join(", ", ns.Select(x => x.ToString("F2")))} gave {string.Join(", ", found.Select(l => l.Capacity))}");
        });
    }

    [Fact]
    public void On_this_machine_memory_is_slower_than_l1_and_loads_in_flight_overlap()
    {
        TimeSpan budget = TimeSpan.FromMilliseconds(30);
        double l1 = MemoryProbe.ChaseNanoseconds(16 << 10, 1, budget);
        double[] far = MemoryProbe.ChaseNanoseconds(256L << 20, budget, 1, 8);
        (double memory, double overlapped) = (far[0], far[1]);
        // Wide margins: the suite runs test classes side by side on two cores, and a neighbour thrashes L1.
        Assert.True(l1 > 0.1 && l1 < 20, $"L1 latency {l1:F2} ns");
        Assert.True(memory > 3 * l1, $"memory {memory:F1} ns vs L1 {l1:F2} ns");
        Assert.True(overlapped < memory / 1.2, $"8 loads in flight: {overlapped:F1} ns each vs {memory:F1} ns one at a time");
        double near = MemoryProbe.ReadGigabytesPerSecond(16 << 10, 1, budget), farRead = MemoryProbe.ReadGigabytesPerSecond(256L << 20, 1, budget);
        Assert.True(near > farRead, $"reading 16 KiB: {near:F1} GB/s, 256 MiB: {farRead:F1} GB/s");
    }

    [Fact]
    public void A_profile_is_cached_for_this_machine_only()
    {
        string dir = Path.Combine(Path.GetTempPath(), "machine-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path = Path.Combine(dir, "machine.json");
            MachineProfile measured = MachineProfileStore.LoadOrMeasure(path, refresh: false, 1 << 20, TimeSpan.FromMilliseconds(2), measureDisk: false);
            MachineProfile cached = MachineProfileStore.TryLoad(path)!;
            Assert.Equal(measured.Levels, cached.Levels);
            Assert.Equal(measured.Curve, cached.Curve);
            Assert.Equal(measured.MeasuredAt, MachineProfileStore.LoadOrMeasure(path, refresh: false, 1 << 20, TimeSpan.FromMilliseconds(2), measureDisk: false).MeasuredAt);

            // The key names the machine in plain words (it once printed the SIMD width as a delegate's type name).
            Assert.Matches(@"^.+ \| \d+ cores \| \d+-bit \| \d+ GiB$", measured.Key);

            MachineProfileStore.Save(path, measured with { Key = "another machine" });
            Assert.Null(MachineProfileStore.TryLoad(path));
            MachineProfileStore.Save(path, measured with { Version = MachineProfile.CurrentVersion + 1 });
            Assert.Null(MachineProfileStore.TryLoad(path));
            File.WriteAllText(path, "{ not json");
            Assert.Null(MachineProfileStore.TryLoad(path));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    private static LatencySample[] Curve(double[] nanoseconds) =>
        [.. nanoseconds.Select((ns, i) => new LatencySample(MachineProbe.SmallestBytes << i, ns, ns / 4))];

    /// <summary>
    /// The row surface in rounds: every point is read once per round, all points of a round before any of the next
    /// (so a slow spell costs one round of every point, not every round of a few), and each keeps its fastest reading.
    /// </summary>
    [Fact]
    public void The_row_surface_keeps_each_points_fastest_of_its_rounds()
    {
        var calls = new List<(long Bytes, int RowBytes)>();
        var slowRound = new Dictionary<long, int> { [16L << 10] = 0, [32L << 10] = 1, [64L << 10] = 2 };
        IReadOnlyList<RowSample> rows = MachineProbe.RowSurface(64L << 10, 3, (bytes, rowBytes) =>
        {
            calls.Add((bytes, rowBytes));
            int round = (calls.Count - 1) / 9;
            return round == slowRound[bytes] ? 1e6 : rowBytes + round;
        });

        Assert.Equal(27, calls.Count);
        Assert.Equal(calls[..9], calls[9..18]);
        Assert.Equal(9, calls[..9].Distinct().Count());
        Assert.Equal(9, rows.Count);
        foreach (RowSample row in rows)
        {
            Assert.Equal(row.RowBytes + (slowRound[row.Bytes] == 0 ? 1 : 0), row.Nanoseconds);
        }

        Assert.All(MachineProbe.RowSurface(32L << 10, 0, (_, rowBytes) => rowBytes), r => Assert.Equal(r.RowBytes, r.Nanoseconds));
    }
}
