using System.Diagnostics;
using VectorEngine.Bench.Runs;

namespace VectorEngine.Bench.Tests;

/// <summary>What a timing records beside its QPS, to tell the process's own pauses from the machine's noise.</summary>
[Collection(TimingCollection.Name)]
public sealed class TimedStretchTests
{
    [Fact]
    public void Collections_and_their_pauses_are_counted_per_generation()
    {
        TimedStretch start = TimedStretch.Start();
        for (int i = 0; i < 3; i++)
        {
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        }

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        TimedStretch stretch = start.Stop();

        Assert.Equal(3, stretch.Collections.Length);
        Assert.InRange(stretch.Collections[0], 4, int.MaxValue);
        Assert.InRange(stretch.Collections[2], 1, int.MaxValue);
        Assert.True(stretch.PauseSeconds > 0, $"pause {stretch.PauseSeconds} s");
    }

    [Fact]
    public void A_stretch_without_garbage_reads_no_collection_and_the_CPU_it_used()
    {
        // No collection may start inside the stretch, even one another thread's garbage (the test runner's) would
        // trigger: what is asserted is the counting, not the runner's quiet.
        Assert.True(GC.TryStartNoGCRegion(16L << 20), "no no-GC region could be had");
        TimedStretch stretch;
        var clock = Stopwatch.StartNew();
        double sink = 0;
        try
        {
            TimedStretch start = TimedStretch.Start();
            while (clock.Elapsed < TimeSpan.FromMilliseconds(300))
            {
                for (int i = 1; i < 10_000; i++)
                {
                    sink += Math.Sqrt(i);
                }
            }

            stretch = start.Stop();
        }
        finally
        {
            if (System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion)
            {
                GC.EndNoGCRegion();
            }
        }

        Assert.True(sink > 0);
        Assert.Equal([0, 0, 0], stretch.Collections);
        Assert.Equal(0, stretch.PauseSeconds);

        // At least most of the 300 ms spun on this thread (a busy CI machine may take some of it), at most what two
        // whole cores could give (the runtime's own threads may run beside it).
        Assert.InRange(stretch.CpuSeconds, 0.1, 2 * clock.Elapsed.TotalSeconds);
    }
}
