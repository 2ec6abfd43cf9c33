using VectorEngine.Tests.TestKit;
using VectorEngine.Tiers.Tests.Support;

namespace VectorEngine.Tiers.Tests;

/// <summary>What the cold tier does when the object store misbehaves: damaged, slow, failing, or holding leftovers.</summary>
public sealed class ColdStoreFaultTests
{
    private static readonly IndexSpec Index = TierMovesTests.HnswOptionsSpec(quantized: true);

    [Fact]
    public void An_archive_damaged_in_transit_once_is_fetched_again_and_served_intact()
    {
        FaultyObjectStore? faulty = null;
        using var db = new TieredDatabase(o => o.ObjectStore = faulty = new FaultyObjectStore(o.ObjectStore!));
        Collection collection = db.Create("c", 700, Index);
        float[] query = Data.RandomVectors(4, 1, TieredDatabase.Dim)[0];
        SearchResults hot = collection.Search(query, 10);
        collection.MoveSegment(collection.GetSegmentTiers().Single().SegmentId, SegmentTier.Cold);

        faulty!.CorruptGets = 1;
        SearchResults fetched = collection.Search(query, 10);
        Assert.Equal(2, faulty.Gets);
        Assert.Equal(hot.Select(h => (h.Id, h.Score)), fetched.Select(h => (h.Id, h.Score)));
        Assert.Equal(SegmentTier.Hot, collection.GetSegmentTiers().Single().Tier);
    }

    [Fact]
    public void An_archive_damaged_at_rest_is_reported_never_served_and_the_segment_stays_cold()
    {
        using var db = new TieredDatabase();
        Collection collection = db.Create("c", 700, Index);
        collection.MoveSegment(collection.GetSegmentTiers().Single().SegmentId, SegmentTier.Cold);
        string path = Path.Combine(db.ObjectsPath, db.ObjectKeys().Single());
        byte[] bytes = File.ReadAllBytes(path);
        bytes[^700] ^= 1;
        File.WriteAllBytes(path, bytes);

        float[] query = Data.RandomVectors(4, 1, TieredDatabase.Dim)[0];
        DataCorruptionException error = Assert.Throws<DataCorruptionException>(() => collection.Search(query, 10));
        Assert.Contains("fails its check twice", error.Message);
        Assert.Throws<DataCorruptionException>(() => collection.Get([(PointId)3UL]));
        Assert.Equal(SegmentTier.Cold, collection.GetSegmentTiers().Single().Tier);

        // Points outside the damaged segment still answer; the damaged one's ids still count (nothing was lost locally).
        Assert.Equal(700, collection.Count());
        Assert.Single(collection.Get([(PointId)650UL]));
    }

    [Fact]
    public void A_search_that_may_not_wait_for_a_slow_fetch_answers_partial_and_the_fetch_completes_behind_it()
    {
        FaultyObjectStore? faulty = null;
        using var db = new TieredDatabase(o => o.ObjectStore = faulty = new FaultyObjectStore(o.ObjectStore!));
        Collection collection = db.Create("c", 1300, Index, TierPolicy.Default with { ColdFetchTimeout = TimeSpan.FromMilliseconds(50) });
        float[] query = Data.RandomVectors(4, 1, TieredDatabase.Dim)[0];
        SearchResults full = collection.Search(query, 10);
        int cold = collection.GetSegmentTiers()[0].SegmentId;
        collection.MoveSegment(cold, SegmentTier.Cold);

        faulty!.GetDelay = TimeSpan.FromSeconds(2);
        SearchResults partial = collection.Search(query, 10);
        Assert.True(partial.IsPartial);
        Assert.All(partial, h => Assert.True(h.Payload!["n"].AsInteger >= 600, "a hit from the cold segment"));

        // The fetch went on: within a bounded wait the segment is hot and searches are whole again.
        SpinWait.SpinUntil(() => collection.GetSegmentTiers()[0].Tier == SegmentTier.Hot, TimeSpan.FromSeconds(30));
        SearchResults again = collection.Search(query, 10);
        Assert.False(again.IsPartial);
        Assert.Equal(full.Select(h => h.Id), again.Select(h => h.Id));
    }

    [Fact]
    public void A_failed_upload_leaves_the_segment_where_it_was_and_nothing_behind()
    {
        FaultyObjectStore? faulty = null;
        using var db = new TieredDatabase(o => o.ObjectStore = faulty = new FaultyObjectStore(o.ObjectStore!));
        Collection collection = db.Create("c", 700, Index);
        int id = collection.GetSegmentTiers().Single().SegmentId;
        faulty!.FailPuts = 1;
        Assert.Throws<IOException>(() => collection.MoveSegment(id, SegmentTier.Cold));
        Assert.Equal(SegmentTier.Hot, collection.GetSegmentTiers().Single().Tier);
        Assert.Empty(db.ObjectKeys());
        Assert.Equal(10, collection.Search(Data.RandomVectors(4, 1, TieredDatabase.Dim)[0], 10).Count);
        db.Reopen();
        Assert.Equal(SegmentTier.Hot, db.Database.GetCollection("c").GetSegmentTiers().Single().Tier);
    }

    [Fact]
    public async Task Opening_removes_objects_no_segment_names_and_dropping_removes_the_collections_objects()
    {
        using var db = new TieredDatabase();
        Collection collection = db.Create("c", 1300, Index);
        collection.MoveSegment(collection.GetSegmentTiers()[0].SegmentId, SegmentTier.Cold);
        string live = db.ObjectKeys().Single();

        // Leftovers of interrupted moves, and another collection's object, which must stay.
        using (var bytes = new MemoryStream([1, 2, 3]))
        {
            await db.Objects.PutAsync("segments/c/00000009-deadbeef.tar", bytes);
            bytes.Position = 0;
            await db.Objects.PutAsync("segments/other/00000001-cafe.tar", bytes);
        }

        db.Reopen();
        Assert.Equal([live, "segments/other/00000001-cafe.tar"], db.ObjectKeys().Order());
        Assert.Equal(1300, db.Database.GetCollection("c").Count());

        db.Database.DropCollection("c");
        Assert.Equal(["segments/other/00000001-cafe.tar"], db.ObjectKeys());
    }
}
