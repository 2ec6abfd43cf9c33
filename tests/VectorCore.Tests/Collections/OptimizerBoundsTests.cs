namespace VectorEngine.Tests.Collections;

/// <summary>The optimizer's merges respect a maximum segment size, so no merge grows one segment without bound.</summary>
public sealed class OptimizerBoundsTests
{
    [Fact]
    public void Merges_never_write_a_segment_past_the_maximum()
    {
        using var t = new TestDatabase(o =>
        {
            o.MaxMutableSegmentPoints = 50;
            o.MaxSegmentPoints = 120;
            o.OptimizerSmallSegmentPoints = 1_000; // every segment counts as small, so all would merge into one
        });
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2));
        for (int b = 0; b < 10; b++)
        {
            c.Upsert(Enumerable.Range(b * 50, 50).Select(i => new Point((ulong)i + 1, [i, 1, 2, 3])).ToList());
        }

        Assert.Equal(11, c.GetInfo().SegmentCount);
        for (int pass = 0; pass < 20 && c.Optimize() > 0; pass++)
        {
        }

        // Pairs of 50 merge into 100; a third would pass 120. Ten sealed segments become five, plus the mutable one.
        Assert.Equal(6, c.GetInfo().SegmentCount);
        Assert.Equal(500, c.Count());
        t.Reopen();
        Assert.Equal(500, t.Db.GetCollection("c").Count());
    }

    /// <summary>
    /// A foreground Optimize reads its sources without the collection lock; Dispose used to unmap them under it (a read
    /// of unmapped memory kills the process). Dispose now waits for the pass. Twenty races, each bounded.
    /// </summary>
    [Fact]
    public async Task Dispose_while_an_optimize_pass_runs_waits_for_it()
    {
        for (int round = 0; round < 20; round++)
        {
            using var t = new TestDatabase(o =>
            {
                o.MaxMutableSegmentPoints = 200;
                o.OptimizerSmallSegmentPoints = 100_000;
            });
            Collection c = t.Db.CreateCollection("c", new CollectionOptions(64, DistanceMetric.L2));
            float[][] vectors = TestKit.Data.RandomVectors(round, 2_000, 64);
            for (int b = 0; b < 10; b++)
            {
                c.Upsert(Enumerable.Range(b * 200, 200).Select(i => new Point((ulong)i + 1, vectors[i])).ToList());
            }

            Task<int> optimize = Task.Run(c.Optimize);
            Thread.Sleep(round % 5);
            c.Dispose();
            try
            {
                await optimize.WaitAsync(TimeSpan.FromSeconds(60));
            }
            catch (VectorEngineException e)
            {
                Assert.Equal(VectorEngineErrorKind.Closed, e.Kind);
            }
        }
    }
}
