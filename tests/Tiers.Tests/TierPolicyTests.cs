using VectorEngine.Tests.TestKit;
using VectorEngine.Tiers.Tests.Support;

namespace VectorEngine.Tiers.Tests;

/// <summary>The mover on a real database and a fake clock: the policy's days and counts, and the memory budget.</summary>
public sealed class TierPolicyTests
{
    [Fact]
    public void The_default_policy_moves_idle_segments_warm_at_seven_days_cold_at_thirty_and_back_on_use()
    {
        using var db = new TieredDatabase();
        Collection collection = db.Create("c", 1300, TierMovesTests.HnswOptionsSpec(quantized: true), TierPolicy.Default);
        int[] ids = [.. collection.GetSegmentTiers().Select(s => s.SegmentId)];
        float[] query = Data.RandomVectors(1, 1, TieredDatabase.Dim)[0];

        // Day 6: nothing is old enough. Three searches on day 6 keep both segments hot at day 7.
        db.Clock.Advance(TimeSpan.FromDays(6));
        Assert.Equal(0, db.Database.RunTierPass());
        for (int i = 0; i < 3; i++)
        {
            collection.Search(query, 5);
        }

        db.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, db.Database.RunTierPass());
        Assert.All(collection.GetSegmentTiers(), s => Assert.Equal(3, s.RecentAccesses));

        // Day 13.x: the accesses of day 6 are more than 7 days old: both turn warm.
        db.Clock.Advance(TimeSpan.FromDays(6) + TimeSpan.FromHours(1));
        Assert.Equal(2, db.Database.RunTierPass());
        Assert.All(collection.GetSegmentTiers(), s => Assert.Equal(SegmentTier.Warm, s.Tier));

        // Day 33: three searches that only the second segment can answer (the plan skips the first: no access) bring it
        // back hot; the first, warm since day 13 and idle since day 6, is not yet 30 days warm.
        db.Clock.Advance(TimeSpan.FromDays(20));
        var secondOnly = new SearchRequest(query, 5) { Filter = new Filters.Filter { Must = { Filters.Condition.Range("n", gte: 600, lt: 1200) } } };
        for (int i = 0; i < 3; i++)
        {
            Assert.All(collection.Search(secondOnly), h => Assert.InRange(h.Payload!["n"].AsInteger, 600, 1199));
        }

        Assert.Equal(1, db.Database.RunTierPass());
        Assert.Equal([SegmentTier.Warm, SegmentTier.Hot], collection.GetSegmentTiers().Select(s => s.Tier));

        // Day 43: the first, warm for 30 days, goes cold; the second, hot for 10 days and idle for them, warm.
        db.Clock.Advance(TimeSpan.FromDays(10));
        Assert.Equal(2, db.Database.RunTierPass());
        Assert.Equal([SegmentTier.Cold, SegmentTier.Warm], collection.GetSegmentTiers().Select(s => s.Tier));
    }

    [Fact]
    public void A_warm_segment_idle_for_thirty_days_goes_cold_and_the_next_search_brings_it_back()
    {
        using var db = new TieredDatabase();
        Collection collection = db.Create("c", 700, TierMovesTests.HnswOptionsSpec(quantized: true), TierPolicy.Default with { WarmAfter = TimeSpan.FromDays(1) });
        int id = collection.GetSegmentTiers().Single().SegmentId;
        db.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(1, db.Database.RunTierPass());
        Assert.Equal(SegmentTier.Warm, collection.GetSegmentTiers().Single().Tier);

        // Entered warm at day 1 with no access since: cold at day 31, not a tick before.
        db.Clock.Advance(TimeSpan.FromDays(30) - TimeSpan.FromTicks(1));
        Assert.Equal(0, db.Database.RunTierPass());
        db.Clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(1, db.Database.RunTierPass());
        Assert.Equal(SegmentTier.Cold, collection.GetSegmentTiers().Single().Tier);
        Assert.Single(db.ObjectKeys());

        Assert.Equal(5, collection.Search(Data.RandomVectors(2, 1, TieredDatabase.Dim)[0], 5).Count);
        Assert.Equal(SegmentTier.Hot, collection.GetSegmentTiers().Single(s => s.SegmentId == id).Tier);
        Assert.Empty(db.ObjectKeys());
    }

    [Fact]
    public void The_memory_budget_demotes_least_recently_used_segments_across_collections_hot_to_warm_then_cold()
    {
        using var db = new TieredDatabase();
        Collection a = db.Create("a", 1300, TierMovesTests.HnswOptionsSpec(quantized: true));
        Collection b = db.Create("b", 700, TierMovesTests.HnswOptionsSpec(quantized: true));
        float[] query = Data.RandomVectors(3, 1, TieredDatabase.Dim)[0];

        // b was used before a: its segment is the least recently used.
        db.Clock.Advance(TimeSpan.FromMinutes(1));
        b.Search(query, 3);
        db.Clock.Advance(TimeSpan.FromMinutes(1));
        a.Search(query, 3);
        long Resident() => a.GetSegmentTiers().Sum(s => s.ResidentBytes) + b.GetSegmentTiers().Sum(s => s.ResidentBytes);
        SegmentTier[] Tiers() => [.. a.GetSegmentTiers().Select(s => s.Tier), .. b.GetSegmentTiers().Select(s => s.Tier)];

        // One byte under: one demotion meets it, and it is b's.
        db.Database.Options.MaxResidentBytes = Resident() + a.FixedResidentBytes() + b.FixedResidentBytes() - 1;
        Assert.Equal(1, db.Database.RunTierPass());
        Assert.Equal([SegmentTier.Hot, SegmentTier.Hot, SegmentTier.Warm], Tiers());

        // A budget only cold segments meet: everything movable goes warm, then cold, least recently used first.
        db.Database.Options.MaxResidentBytes = 1;
        Assert.Equal(5, db.Database.RunTierPass());
        Assert.Equal([SegmentTier.Cold, SegmentTier.Cold, SegmentTier.Cold], Tiers());
        Assert.Equal(3, db.ObjectKeys().Count);

        // A pinned segment stays whatever the budget.
        db.Database.Options.MaxResidentBytes = null;
        a.PinSegment(a.GetSegmentTiers()[0].SegmentId, SegmentTier.Hot);
        db.Database.Options.MaxResidentBytes = 1;
        db.Database.RunTierPass();
        Assert.Equal(SegmentTier.Hot, a.GetSegmentTiers()[0].Tier);
    }
}
