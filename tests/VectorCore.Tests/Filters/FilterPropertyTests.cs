using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Filters;
using VectorEngine.Tests.Collections;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests.Filters;

/// <summary>
/// Filter evaluation equals an independent naive evaluator, with payload indexes and without: counts, scrolls,
/// filtered searches and delete-by-filter, over sealed and mutable segments alike.
/// </summary>
public sealed class FilterPropertyTests
{
    [Property(MaxTest = 40)]
    public Property Indexed_and_unindexed_filtering_equal_the_naive_evaluator() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var r = new Random(seed);
            using var t = new TestDatabase(o => o.MaxMutableSegmentPoints = 70);
            Collection indexed = t.Db.CreateCollection("indexed", new CollectionOptions(4, DistanceMetric.L2) { PayloadIndexes = RandomFilters.Schema });
            Collection plain = t.Db.CreateCollection("plain", new CollectionOptions(4, DistanceMetric.L2));
            var points = Enumerable.Range(0, 200).Select(i => new Point((ulong)i, Data.RandomVector(r, 4), RandomFilters.Payload(r))).ToList();
            foreach (Point[] batch in points.Chunk(40))
            {
                indexed.Upsert(batch);
                plain.Upsert(batch);
            }

            // Updates and deletes, so tombstoned offsets sit in the payload indexes.
            var updates = points.Where(_ => r.Next(5) == 0).Select(p => p with { Payload = RandomFilters.Payload(r) }).ToList();
            indexed.Upsert(updates);
            plain.Upsert(updates);
            var live = points.ToDictionary(p => p.Id.Number);
            updates.ForEach(u => live[u.Id.Number] = u);
            var deleted = points.Where(_ => r.Next(8) == 0).Select(p => p.Id).ToList();
            indexed.Delete(deleted);
            plain.Delete(deleted);
            deleted.ForEach(d => live.Remove(d.Number));

            for (int i = 0; i < 15; i++)
            {
                Filter filter = RandomFilters.Filter(r);
                var expected = live.Values.Where(p => NaiveFilter.Matches(filter, p.Id, p.Payload!)).Select(p => p.Id.Number).Order().ToList();
                Assert.Equal(expected.Count, indexed.Count(filter));
                Assert.Equal(expected.Count, plain.Count(filter));
                Assert.Equal(expected, indexed.Scroll(new ScrollRequest { Filter = filter, Limit = 1000, WithPayload = false }).Points.Select(p => p.Id.Number));
                Assert.Equal(expected, plain.Scroll(new ScrollRequest { Filter = filter, Limit = 1000, WithPayload = false }).Points.Select(p => p.Id.Number));

                float[] query = Data.RandomVector(r, 4);
                var searchExpected = BruteForce.TopK(DistanceMetric.L2, query, expected.Select(id => (id, live[id].Vector)), 5).Select(x => x.Id);
                Assert.Equal(searchExpected, indexed.Search(query, 5, filter).Select(h => h.Id.Number));
                Assert.Equal(searchExpected, plain.Search(query, 5, filter).Select(h => h.Id.Number));
            }

            Filter doomed = RandomFilters.Filter(r);
            int doomedCount = live.Values.Count(p => NaiveFilter.Matches(doomed, p.Id, p.Payload!));
            Assert.Equal(doomedCount, indexed.Delete(doomed));
            Assert.Equal(doomedCount, plain.Delete(doomed));
            Assert.Equal(live.Count - doomedCount, indexed.Count());
        });

    [Fact]
    public void Semantics_of_each_condition_on_a_small_example()
    {
        using var t = new TestDatabase();
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(1, DistanceMetric.L2) { PayloadIndexes = { ["tags"] = PayloadIndexType.Keyword } });
        c.Upsert([
            new Point(1UL, [1], new Payload { ["tags"] = new[] { "x", "y" }, ["n"] = 5 }),
            new Point(2UL, [2], new Payload { ["tags"] = PayloadValue.Null, ["n"] = 5.5 }),
            new Point(3UL, [3], new Payload { ["tags"] = PayloadValue.FromArray([]) }),
            new Point(4UL, [4]),
        ]);
        ulong[] Ids(Filter f) => c.Scroll(new ScrollRequest { Filter = f }).Points.Select(p => p.Id.Number).ToArray();
        Assert.Equal(new ulong[] { 1 }, Ids(new Filter { Must = { Condition.Match("tags", "y") } }));
        Assert.Equal(new ulong[] { 2 }, Ids(new Filter { Must = { Condition.IsNull("tags") } }));
        Assert.Equal(new ulong[] { 2, 3, 4 }, Ids(new Filter { Must = { Condition.IsEmpty("tags") } }));
        Assert.Equal(new ulong[] { 1, 2 }, Ids(new Filter { Must = { Condition.Range("n", gte: 5, lte: 5.5) } }));
        Assert.Equal(new ulong[] { 2 }, Ids(new Filter { Must = { Condition.Range("n", gt: 5) } }));
        Assert.Equal(new ulong[] { 3, 4 }, Ids(new Filter { MustNot = { Condition.Range("n", gte: 0) } }));
        Assert.Equal(new ulong[] { 1, 4 }, Ids(new Filter { Should = { Condition.HasId(4UL), Condition.MatchAny("tags", "x", "z") } }));
        Assert.Equal(new ulong[] { 1 }, Ids(new Filter { Must = { new Filter { Should = { Condition.Match("tags", "x") } } } }));
    }
}
