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
}
