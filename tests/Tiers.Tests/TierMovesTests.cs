using VectorEngine.Tests.TestKit;
using VectorEngine.Tiers.Tests.Support;

namespace VectorEngine.Tiers.Tests;

/// <summary>
/// Moves between tiers on a real collection: a segment answers the same in every tier, its payloads survive the
/// trip through FASTER and the object store, and reopening keeps every tier.
/// </summary>
public sealed class TierMovesTests
{
    private static readonly IndexSpec QuantizedHnsw = HnswOptionsSpec(quantized: true);

    [Fact]
    public void A_quantized_segment_answers_identically_hot_warm_and_fetched_from_cold()
    {
        using var db = new TieredDatabase();
        Collection collection = db.Create("c", 1900, QuantizedHnsw);
        float[][] queries = Data.RandomVectors(99, 25, TieredDatabase.Dim);
        List<SearchResults> hot = Search(collection, queries);
        int[] sealedIds = [.. collection.GetSegmentTiers().Select(s => s.SegmentId)];
        Assert.Equal(3, sealedIds.Length);

        foreach (int id in sealedIds)
        {
            collection.MoveSegment(id, SegmentTier.Warm);
        }

        Assert.All(collection.GetSegmentTiers(), s => Assert.Equal(SegmentTier.Warm, s.Tier));
        AssertSame(hot, Search(collection, queries));

        foreach (int id in sealedIds)
        {
            collection.MoveSegment(id, SegmentTier.Cold);
        }

        Assert.All(collection.GetSegmentTiers(), s => Assert.Equal(SegmentTier.Cold, s.Tier));
        Assert.Equal(3, db.ObjectKeys().Count);

        // The first search fetches every cold segment back (hot) and answers as before.
        AssertSame(hot, Search(collection, queries));
        Assert.All(collection.GetSegmentTiers(), s => Assert.Equal(SegmentTier.Hot, s.Tier));
        Assert.Empty(db.ObjectKeys());
    }

    [Fact]
    public void Payloads_and_vectors_read_back_unchanged_from_every_tier_and_after_reopening()
    {
        using var db = new TieredDatabase(o => o.WarmPayloadMemoryBytes = 2L << 20);
        Collection collection = db.Create("c", 1900, QuantizedHnsw);
        List<Point> expected = [.. TieredDatabase.PointsFor(1900, 7)];
        int[] ids = [.. collection.GetSegmentTiers().Select(s => s.SegmentId)];
        collection.MoveSegment(ids[0], SegmentTier.Warm);
        collection.MoveSegment(ids[1], SegmentTier.Cold);
        AssertPoints(expected, db.Database.GetCollection("c"), promotes: ids[1]);

        collection.MoveSegment(ids[1], SegmentTier.Cold);
        db.Reopen();
        collection = db.Database.GetCollection("c");
        Dictionary<int, SegmentTier> tiers = collection.GetSegmentTiers().ToDictionary(s => s.SegmentId, s => s.Tier);
        Assert.Equal(SegmentTier.Warm, tiers[ids[0]]);
        Assert.Equal(SegmentTier.Cold, tiers[ids[1]]);
        Assert.Equal(SegmentTier.Hot, tiers[ids[2]]);
        AssertPoints(expected, collection, promotes: ids[1]);
    }

    [Fact]
    public void A_float_graph_turns_warm_on_int8_codes_keeps_its_recall_and_holds_less_memory()
    {
        using var db = new TieredDatabase();
        Collection collection = db.Create("c", 1800, HnswOptionsSpec(quantized: false));
        float[][] queries = Data.RandomVectors(5, 40, TieredDatabase.Dim);
        List<(PointId, float[])> all = [.. TieredDatabase.PointsFor(1800, 7).Select(p => (p.Id, p.Vector))];
        double hotRecall = Recall(collection, queries, all);
        long hotBytes = collection.GetSegmentTiers().Sum(s => s.ResidentBytes);
        foreach (SegmentTierInfo segment in collection.GetSegmentTiers())
        {
            collection.MoveSegment(segment.SegmentId, SegmentTier.Warm);
        }

        long warmBytes = collection.GetSegmentTiers().Sum(s => s.ResidentBytes);
        double warmRecall = Recall(collection, queries, all);
        Assert.True(warmRecall >= hotRecall - 0.02, $"warm recall {warmRecall:F3} vs hot {hotRecall:F3}");
        // At 32 dimensions a row's floats (128 bytes) and payload become 40 bytes of codes; graph, ids and payload
        // indexes stay.
        Assert.True(warmBytes < hotBytes * 0.6, $"warm holds {warmBytes} bytes, hot {hotBytes}");

        // The codes were trained once and saved: a reopened warm segment loads them.
        db.Reopen();
        Assert.Equal(warmRecall, Recall(db.Database.GetCollection("c"), queries, all), 3);
    }

    [Fact]
    public void Writes_that_land_on_warm_and_cold_segments_survive_their_moves_and_a_reopen()
    {
        using var db = new TieredDatabase();
        Collection collection = db.Create("c", 1900, QuantizedHnsw);
        int[] ids = [.. collection.GetSegmentTiers().Select(s => s.SegmentId)];
        collection.MoveSegment(ids[0], SegmentTier.Cold);
        collection.MoveSegment(ids[1], SegmentTier.Warm);

        // Rows 0..599 are in the cold segment, 600..1199 in the warm one.
        collection.Delete([(PointId)5UL, (PointId)605UL]);
        collection.Upsert([new Point(6UL, new float[TieredDatabase.Dim], new Payload { ["n"] = -6 }), new Point(606UL, new float[TieredDatabase.Dim], new Payload { ["n"] = -606 })]);
        Assert.Equal(SegmentTier.Cold, collection.GetSegmentTiers().Single(s => s.SegmentId == ids[0]).Tier);
        db.Reopen();
        collection = db.Database.GetCollection("c");
        Assert.Equal(1898, collection.Count());
        Assert.Empty(collection.Get([(PointId)5UL, (PointId)605UL]));
        Assert.Equal([-6L, -606L], collection.Get([(PointId)6UL, (PointId)606UL]).Select(r => r.Payload!["n"].AsInteger));

        // A filtered count reads payload indexes: the cold segment comes back first, with the tombstones it got while cold.
        // 380 rows in g0, less 5 and 605 (deleted).
        Assert.Equal(378, collection.Count(new Filters.Filter { Must = { Filters.Condition.Match("group", "g0") } }));
        Assert.All(collection.GetSegmentTiers(), s => Assert.NotEqual(SegmentTier.Cold, s.Tier));
    }

    [Fact]
    public void Every_read_that_needs_a_cold_segment_fetches_it_first()
    {
        using var db = new TieredDatabase();
        Collection collection = db.Create("c", 1900, QuantizedHnsw);
        void AllCold()
        {
            foreach (SegmentTierInfo s in collection.GetSegmentTiers())
            {
                collection.MoveSegment(s.SegmentId, SegmentTier.Cold);
            }
        }

        AllCold();
        ScrollPage page = collection.Scroll(new ScrollRequest { Limit = 1000 });
        Assert.Equal(1000, page.Points.Count);
        Assert.Equal(0L, page.Points[0].Payload!["n"].AsInteger);

        AllCold();
        IReadOnlyList<ScoredPoint> text = collection.SearchText(new TextSearchRequest("body", "rust", 2000));
        Assert.Equal(Enumerable.Range(0, 1900).Count(i => i % 3 == 0), text.Count);

        AllCold();
        Assert.Equal(380, collection.Delete(new Filters.Filter { Must = { Filters.Condition.Match("group", "g1") } }));
        Assert.Equal(1520, collection.Count());

        AllCold();
        string archive = Path.Combine(db.ObjectsPath, "..", "snapshot.tar");
        collection.CreateSnapshot(archive);
        Collection restored = db.Database.RestoreSnapshot(archive, "restored");
        Assert.Equal(1520, restored.Count());

        AllCold();
        Assert.Equal(1520, collection.Count(new Filters.Filter { Must = { Filters.Condition.Range("n", gte: 0) } }));
        Assert.Empty(db.ObjectKeys());
    }

    [Fact]
    public void A_warm_or_cold_segment_lets_go_of_its_payload_objects()
    {
        using var db = new TieredDatabase();
        Collection collection = db.Create("c", 700, QuantizedHnsw);
        int id = collection.GetSegmentTiers().Single().SegmentId;
        WeakReference[] payloads = HeldPayloads(collection, id);
        collection.MoveSegment(id, SegmentTier.Warm);
        Collect();
        Assert.All(payloads, p => Assert.False(p.IsAlive, "a warm segment still holds a payload object"));

        collection.MoveSegment(id, SegmentTier.Hot);
        payloads = HeldPayloads(collection, id);
        collection.MoveSegment(id, SegmentTier.Cold);
        Collect();
        Assert.All(payloads, p => Assert.False(p.IsAlive, "a cold segment still holds a payload object"));
        Assert.Equal(TieredDatabase.Payload(7)["body"], collection.Get([(PointId)7UL]).Single().Payload!["body"]);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference[] HeldPayloads(Collection collection, int segmentId)
    {
        // Straight from the segment (reads hand out clones): the objects its rows hold.
        Segments.SegmentSet set = collection.PinnedSetForTests();
        try
        {
            Segments.Segment segment = set[segmentId];
            return [.. Enumerable.Range(0, 50).Select(i => new WeakReference(segment.PayloadAt((uint)i)))];
        }
        finally
        {
            set.Unpin();
        }
    }

    private static void Collect()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
    }

    /// <summary>
    /// Warm and cold segments keep their ids compacted: numbers alone when all are numbers, else every kind as it is.
    /// A segment of string, UUID and numeric ids reads back by each id from every tier and after reopening.
    /// </summary>
    [Fact]
    public void Ids_of_every_kind_read_back_from_warm_and_cold_segments_and_after_reopening()
    {
        using var db = new TieredDatabase();
        Collection collection = db.Database.CreateCollection("mixed", new CollectionOptions(TieredDatabase.Dim, DistanceMetric.L2) { Index = QuantizedHnsw });
        float[][] vectors = Data.RandomVectors(21, 700, TieredDatabase.Dim);
        PointId IdOf(int i) => (i % 3) switch { 0 => (PointId)(ulong)(i + 1_000_000), 1 => (PointId)$"doc-{i}", _ => (PointId)new Guid(i, 7, 7, 1, 2, 3, 4, 5, 6, 7, 8) };
        collection.Upsert([.. Enumerable.Range(0, 700).Select(i => new Point(IdOf(i), vectors[i], new Payload { ["n"] = i }))]);
        int segment = collection.GetSegmentTiers().Single().SegmentId;
        PointId[] ids = [.. Enumerable.Range(0, 700).Select(IdOf)];

        foreach (SegmentTier tier in new[] { SegmentTier.Warm, SegmentTier.Cold })
        {
            collection.MoveSegment(segment, tier);
            db.Reopen();
            collection = db.Database.GetCollection("mixed");
            Assert.Equal(tier, collection.GetSegmentTiers().Single().Tier);
            Assert.Equal(700, collection.Count());

            // Reading fetches a cold segment back; by then the ids were resolved through the compacted store.
            IReadOnlyList<PointRecord> read = collection.Get(ids, withVector: true);
            Assert.Equal(ids.Order(), read.Select(r => r.Id).Order());
            Assert.All(read, r => Assert.Equal(vectors[(int)r.Payload!["n"].AsInteger], r.Vector));
            Assert.All(read, r => Assert.Equal(IdOf((int)r.Payload!["n"].AsInteger), r.Id));
        }
    }

    [Fact]
    public void Admin_calls_refuse_unknown_segments_and_tiers_and_pins_hold_across_a_reopen()
    {
        using var db = new TieredDatabase();
        Collection collection = db.Create("c", 1300, QuantizedHnsw);
        int id = collection.GetSegmentTiers()[0].SegmentId;
        Assert.Throws<VectorEngineArgumentException>(() => collection.MoveSegment(999, SegmentTier.Warm));
        Assert.Throws<VectorEngineArgumentException>(() => collection.MoveSegment(id, (SegmentTier)7));
        Assert.Throws<VectorEngineArgumentException>(() => collection.PinSegment(999, SegmentTier.Cold));

        Assert.All(collection.GetSegmentTiers(), s => Assert.Equal((SegmentTier.Hot, (SegmentTier?)null), (s.Tier, s.PinnedTier)));

        // Bad tier settings are refused by name, and a collection with a bad policy is not created.
        Assert.Equal("tiering", Assert.Throws<VectorEngineArgumentException>(() => db.Database.CreateCollection("bad",
            new CollectionOptions(4, DistanceMetric.L2) { Tiering = TierPolicy.Default with { WarmBelowAccesses = 0 } })).ParamName);
        Assert.DoesNotContain("bad", db.Database.ListCollections());
        foreach ((Action<VectorDatabaseOptions> set, string name) in new (Action<VectorDatabaseOptions>, string)[]
        {
            (o => o.MaxResidentBytes = -1, nameof(VectorDatabaseOptions.MaxResidentBytes)),
            (o => o.WarmPayloadMemoryBytes = 1024, nameof(VectorDatabaseOptions.WarmPayloadMemoryBytes)),
            (o => o.WarmPageTrimInterval = TimeSpan.Zero, nameof(VectorDatabaseOptions.TierMoverInterval)),
        })
        {
            var options = new VectorDatabaseOptions();
            set(options);
            Assert.Equal(name, Assert.Throws<VectorEngineArgumentException>(() => VectorDatabase.Open(Path.Combine(db.ObjectsPath, "..", "never"), options)).ParamName);
        }

        Assert.False(Directory.Exists(Path.Combine(db.ObjectsPath, "..", "never")));
        collection.PinSegment(id, SegmentTier.Warm);
        db.Reopen();
        SegmentTierInfo info = db.Database.GetCollection("c").GetSegmentTiers().Single(s => s.SegmentId == id);
        Assert.Equal(SegmentTier.Warm, info.Tier);
        Assert.Equal(SegmentTier.Warm, info.PinnedTier);
    }

    private static double Recall(Collection collection, float[][] queries, List<(PointId Id, float[] Vector)> all)
    {
        int found = 0;
        foreach (float[] q in queries)
        {
            HashSet<PointId> truth = [.. BruteForce.TopK(DistanceMetric.L2, q, all, 10).Select(t => t.Id)];
            found += collection.Search(new SearchRequest(q, 10) { Params = new SearchParams { Ef = 64 }, WithPayload = false }).Count(h => truth.Contains(h.Id));
        }

        return found / (queries.Length * 10.0);
    }

    private static void AssertPoints(List<Point> expected, Collection collection, int promotes)
    {
        IReadOnlyList<PointRecord> records = collection.Get(expected.Select(p => p.Id), withPayload: true, withVector: true);
        Assert.Equal(expected.Count, records.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Id, records[i].Id);
            Assert.Equal(expected[i].Vector, records[i].Vector);
            Assert.Equal(expected[i].Payload!.OrderBy(p => p.Key).ToList(), records[i].Payload!.OrderBy(p => p.Key).ToList());
        }

        Assert.Equal(SegmentTier.Hot, collection.GetSegmentTiers().Single(s => s.SegmentId == promotes).Tier);
    }

    private static List<SearchResults> Search(Collection collection, float[][] queries) =>
        [.. queries.Select(q => collection.Search(new SearchRequest(q, 10) { Params = new SearchParams { Ef = 64 } }))];

    private static void AssertSame(List<SearchResults> expected, List<SearchResults> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.False(actual[i].IsPartial);
            Assert.Equal(expected[i].Select(h => (h.Id, h.Score)), actual[i].Select(h => (h.Id, h.Score)));
            Assert.Equal(expected[i].Select(h => h.Payload!["n"]), actual[i].Select(h => h.Payload!["n"]));
        }
    }

    internal static IndexSpec HnswOptionsSpec(bool quantized) =>
        Hnsw.HnswOptionsExtensions.Spec(new Hnsw.HnswParameters
        {
            M = 8,
            EfConstruction = 64,
            Ef = 64,
            Quantizer = quantized ? new Int8Parameters() : null,
        });
}
