using VectorEngine.Filters;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests.Collections;

public sealed class CollectionBehaviourTests
{
    [Theory]
    [InlineData(DistanceMetric.L2)]
    [InlineData(DistanceMetric.InnerProduct)]
    [InlineData(DistanceMetric.Cosine)]
    public void Search_returns_the_exact_top_k_for_every_metric(DistanceMetric metric)
    {
        using var t = new TestDatabase(o => o.MaxMutableSegmentPoints = 300);
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(24, metric));
        float[][] vectors = Data.RandomVectors(1, 1000, 24);
        foreach (Point[] batch in vectors.Select((v, i) => new Point((ulong)i, v)).Chunk(100))
        {
            c.Upsert(batch);
        }

        Assert.Equal(3, c.GetInfo().SealedSegmentCount);
        foreach (float[] query in Data.RandomVectors(2, 20, 24))
        {
            var expected = BruteForce.TopK(metric, query, vectors.Select((v, i) => ((ulong)i, v)), 10);
            IReadOnlyList<ScoredPoint> hits = c.Search(query, 10);
            Assert.Equal(expected.Select(e => e.Id), hits.Select(h => h.Id.Number));
            for (int i = 0; i < hits.Count; i++)
            {
                double expectedScore = metric == DistanceMetric.L2 ? expected[i].Distance : -expected[i].Distance;
                Assert.Equal(expectedScore, hits[i].Score, 1e-3 * Math.Max(1, Math.Abs(expectedScore)));
            }
        }
    }

    [Fact]
    public void Upsert_replaces_get_returns_payload_and_vector_and_delete_removes()
    {
        using var t = new TestDatabase();
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(3, DistanceMetric.L2));
        var uuid = Guid.NewGuid();
        c.Upsert([
            new Point(1UL, [1, 0, 0], new Payload { ["name"] = "one" }),
            new Point(uuid, [0, 1, 0], new Payload { ["tags"] = new[] { "a", "b" } }),
            new Point("doc-3", [0, 0, 1]),
        ]);
        c.Upsert(new Point(1UL, [2, 0, 0], new Payload { ["name"] = "uno" }));
        Assert.Equal(3, c.Count());
        PointRecord one = c.Get([1UL], withVector: true).Single();
        Assert.Equal("uno", one.Payload!["name"].AsString);
        Assert.Equal(new float[] { 2, 0, 0 }, one.Vector);
        Assert.Equal(new[] { "a", "b" }, c.Get([uuid]).Single().Payload!["tags"].AsArray.Select(v => v.AsString));
        Assert.Empty(c.Get(["doc-3"]).Single().Payload!);
        Assert.Empty(c.Get([42UL]));
        Assert.Equal(1, c.Delete(["doc-3", "missing"]));
        Assert.Equal(2, c.Count());
        Assert.Equal(0, c.Delete(["doc-3"]));
    }

    [Fact]
    public void Returned_payloads_are_copies_and_mutating_them_changes_nothing()
    {
        using var t = new TestDatabase();
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(2, DistanceMetric.L2));
        var payload = new Payload { ["k"] = "v" };
        c.Upsert(new Point(1UL, [1, 1], payload));
        payload["k"] = "changed by caller";
        c.Get([1UL]).Single().Payload!["k"] = "changed again";
        Assert.Equal("v", c.Get([1UL]).Single().Payload!["k"].AsString);
    }

    [Fact]
    public void Filtered_search_threshold_and_with_flags()
    {
        using var t = new TestDatabase();
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(2, DistanceMetric.L2)
        {
            PayloadIndexes = { ["color"] = PayloadIndexType.Keyword },
        });
        for (int i = 0; i < 100; i++)
        {
            c.Upsert(new Point((ulong)i, [i, 0], new Payload { ["color"] = i % 2 == 0 ? "red" : "blue", ["i"] = i }));
        }

        var hits = c.Search(new SearchRequest([10, 0], 3) { Filter = new Filter { Must = { Condition.Match("color", "blue") } }, WithVector = true });
        Assert.Equal(new ulong[] { 9, 11, 7 }.Order(), hits.Select(h => h.Id.Number).Order());
        Assert.All(hits, h => Assert.Equal("blue", h.Payload!["color"].AsString));
        Assert.Equal(2, hits[0].Vector!.Length);

        var near = c.Search(new SearchRequest([10, 0], 50) { ScoreThreshold = 4.0f, WithPayload = false });
        Assert.Equal(new ulong[] { 8, 9, 10, 11, 12 }, near.Select(h => h.Id.Number).Order());
        Assert.All(near, h => Assert.Null(h.Payload));
    }

    [Fact]
    public void Cosine_scores_are_similarities_and_threshold_keeps_the_similar()
    {
        using var t = new TestDatabase();
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(2, DistanceMetric.Cosine));
        c.Upsert([new Point(1UL, [1, 0]), new Point(2UL, [1, 1]), new Point(3UL, [-1, 0])]);
        var hits = c.Search(new SearchRequest([2, 0], 3) { ScoreThreshold = 0.5f });
        Assert.Equal(new ulong[] { 1, 2 }, hits.Select(h => h.Id.Number));
        Assert.Equal(1f, hits[0].Score, 1e-5f);
        Assert.Equal(MathF.Sqrt(0.5f), hits[1].Score, 1e-5f);
    }

    [Fact]
    public void Batch_search_equals_single_searches()
    {
        using var t = new TestDatabase(o => o.MaxMutableSegmentPoints = 500);
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(16, DistanceMetric.L2));
        c.Upsert(Data.RandomVectors(3, 2000, 16).Select((v, i) => new Point((ulong)i, v)).ToList());
        var requests = Data.RandomVectors(4, 64, 16).Select(q => new SearchRequest(q, 7)).ToList();
        var batch = c.SearchBatch(requests);
        for (int i = 0; i < requests.Count; i++)
        {
            Assert.Equal(c.Search(requests[i]).Select(h => h.Id), batch[i].Select(h => h.Id));
        }
    }

    [Fact]
    public void Scroll_pages_through_every_point_once_in_id_order()
    {
        using var t = new TestDatabase(o => o.MaxMutableSegmentPoints = 40);
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(2, DistanceMetric.L2));
        var random = new Random(8);
        var ids = Enumerable.Range(0, 250).Select(_ => (ulong)random.Next(1_000_000)).Distinct().ToList();
        c.Upsert(ids.Select(id => new Point(id, [id, 1], new Payload { ["even"] = id % 2 == 0 })).ToList());
        c.Upsert(new Point("s1", [0, 1]));
        var seen = new List<PointId>();
        PointId? offset = null;
        for (int page = 0; page < 100; page++)
        {
            ScrollPage p = c.Scroll(new ScrollRequest { Offset = offset, Limit = 17 });
            seen.AddRange(p.Points.Select(x => x.Id));
            offset = p.NextOffset;
            if (offset is null)
            {
                break;
            }
        }

        Assert.Equal(ids.Order().Select(id => (PointId)id).Append("s1"), seen);
        ScrollPage evens = c.Scroll(new ScrollRequest { Filter = new Filter { Must = { Condition.Match("even", true) } }, Limit = 1000 });
        Assert.Equal(ids.Where(id => id % 2 == 0).Order(), evens.Points.Select(p => p.Id.Number));
        Assert.Null(evens.NextOffset);
    }

    [Fact]
    public void Delete_by_filter_and_count_by_filter()
    {
        using var t = new TestDatabase(o => o.MaxMutableSegmentPoints = 64);
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(2, DistanceMetric.L2)
        {
            PayloadIndexes = { ["year"] = PayloadIndexType.Integer, ["when"] = PayloadIndexType.DateTime },
        });
        DateTime start = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        c.Upsert(Enumerable.Range(0, 300).Select(i => new Point((ulong)i, [i, i], new Payload { ["year"] = 2000 + (i % 30), ["when"] = start.AddDays(i) })).ToList());
        var old = new Filter { Must = { Condition.Range("year", lt: 2010) } };
        Assert.Equal(100, c.Count(old));
        Assert.Equal(60, c.Count(new Filter { Must = { Condition.DateTimeRange("when", gte: start.AddDays(240)) } }));
        Assert.Equal(100, c.Delete(old));
        Assert.Equal(200, c.Count());
        Assert.Equal(0, c.Count(old));
        t.Reopen();
        Assert.Equal(200, t.Db.GetCollection("c").Count());
    }

    [Fact]
    public void Database_lists_gets_and_drops_collections()
    {
        using var t = new TestDatabase();
        t.Db.CreateCollection("b", new CollectionOptions(2, DistanceMetric.L2));
        t.Db.CreateCollection("a", new CollectionOptions(2, DistanceMetric.L2));
        Assert.Equal(new[] { "a", "b" }, t.Db.ListCollections());
        t.Db.DropCollection("a");
        Assert.Throws<CollectionNotFoundException>(() => t.Db.GetCollection("a"));
        t.Reopen();
        Assert.Equal(new[] { "b" }, t.Db.ListCollections());
        Assert.Throws<CollectionNotFoundException>(() => t.Db.DropCollection("a"));
    }
}
