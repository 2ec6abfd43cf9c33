using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace VectorEngine.Tiers.Tests;

/// <summary>The decisions alone: policy thresholds to the tick, and the budget's order.</summary>
public sealed class TierPlannerTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TierPolicy Policy = TierPolicy.Default;

    [Theory]
    [InlineData(-1, 0, false)] // one tick short of 7 days
    [InlineData(0, 2, true)] // exactly 7 days, 2 accesses (fewer than 3)
    [InlineData(0, 3, false)] // exactly 7 days, 3 accesses
    [InlineData(1, 0, true)]
    public void Hot_turns_warm_after_seven_days_with_fewer_than_three_accesses(long extraTicks, int accesses, bool moves)
    {
        DateTimeOffset now = Start + Policy.WarmAfter + TimeSpan.FromTicks(extraTicks);
        List<TierMove> plan = TierPlanner.ByPolicy([Candidate(SegmentTier.Hot, Start, Start, accesses)], now);
        Assert.Equal(moves, plan.Count == 1);
        Assert.All(plan, m => Assert.Equal((SegmentTier.Hot, SegmentTier.Warm, TierMoveReason.Policy), (m.From, m.To, m.Reason)));
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    public void Warm_turns_cold_thirty_days_after_its_last_access(long extraTicks, bool moves)
    {
        DateTimeOffset lastAccess = Start + TimeSpan.FromDays(3);
        DateTimeOffset now = lastAccess + Policy.ColdAfter + TimeSpan.FromTicks(extraTicks);
        List<TierMove> plan = TierPlanner.ByPolicy([Candidate(SegmentTier.Warm, Start, lastAccess, 1)], now);
        Assert.Equal(moves ? [(SegmentTier.Warm, SegmentTier.Cold)] : [], plan.Select(m => (m.From, m.To)));
    }

    [Fact]
    public void Warm_used_often_again_turns_hot_and_pins_and_policy_free_collections_are_left_alone()
    {
        DateTimeOffset now = Start + TimeSpan.FromDays(100);
        Assert.Equal(SegmentTier.Hot, TierPlanner.ByPolicy([Candidate(SegmentTier.Warm, Start, now, 3)], now).Single().To);
        Assert.Empty(TierPlanner.ByPolicy([Candidate(SegmentTier.Hot, Start, Start, 0) with { Pinned = SegmentTier.Hot }], now));
        Assert.Empty(TierPlanner.ByPolicy([Candidate(SegmentTier.Hot, Start, Start, 0) with { Policy = null }], now));
        Assert.Empty(TierPlanner.ByPolicy([Candidate(SegmentTier.Cold, Start, Start, 0)], now));
    }

    [Fact]
    public void Budget_demotes_least_recently_used_hot_segments_to_warm_before_any_warm_one_goes_cold()
    {
        TierCandidate[] segments =
        [
            Sized(1, SegmentTier.Hot, lastAccessDays: 5, resident: 1000, warm: 300),
            Sized(2, SegmentTier.Hot, lastAccessDays: 1, resident: 1000, warm: 300),
            Sized(3, SegmentTier.Warm, lastAccessDays: 0, resident: 300, warm: 300),
            Sized(4, SegmentTier.Hot, lastAccessDays: 3, resident: 1000, warm: 300) with { Pinned = SegmentTier.Hot },
        ];

        // 3300 resident. Least recently used first (3, already warm; then 2; then 1), 4 pinned: 2000 takes 2 and 1 warm
        // (3300 - 700 - 700 = 1900).
        Assert.Equal([(2, SegmentTier.Warm), (1, SegmentTier.Warm)], TierPlanner.ByBudget(segments, 0, 2000).Select(m => (m.SegmentId, m.To)));

        // 1500 takes every movable hot segment warm (1900), then warm ones cold in the same order: 3 (1610), 2 (1320).
        List<TierMove> deep = TierPlanner.ByBudget(segments, 0, 1500);
        Assert.Equal([(2, SegmentTier.Warm), (1, SegmentTier.Warm), (3, SegmentTier.Cold), (2, SegmentTier.Cold)], deep.Select(m => (m.SegmentId, m.To)));
        Assert.Empty(TierPlanner.ByBudget(segments, 0, 3300));
    }

    /// <summary>
    /// Whatever the segments, the budget plan never moves a pinned segment, moves each at most one tier per step in
    /// order hot → warm → cold, reaches the budget whenever moving everything movable would, and stops as soon as it does.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property Budget_plan_reaches_the_budget_without_touching_pins_or_overshooting()
    {
        Gen<TierCandidate> segment =
            from tier in Gen.Elements(SegmentTier.Hot, SegmentTier.Warm, SegmentTier.Cold)
            from cold in Gen.Choose(0, 50)
            from warm in Gen.Choose(cold, 2000)
            from hot in Gen.Choose(warm, 8000)
            from days in Gen.Choose(0, 60)
            from pinned in Gen.Frequency((1, Gen.Constant(true)), (4, Gen.Constant(false)))
            select new TierCandidate("c", 0, tier, pinned ? tier : null, Start, Start.AddDays(days), 0,
                tier switch { SegmentTier.Hot => hot, SegmentTier.Warm => warm, _ => cold }, warm, cold, null);
        Gen<(TierCandidate[], long)> cases =
            from count in Gen.Choose(0, 12)
            from list in Gen.ArrayOf(segment, count)
            from budget in Gen.Choose(0, 60_000)
            select (list.Select((s, i) => s with { SegmentId = i }).ToArray(), (long)budget);
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            (TierCandidate[] segments, long budget) = c;
            List<TierMove> plan = TierPlanner.ByBudget(segments, 0, budget);
            var tiers = segments.ToDictionary(s => s.SegmentId, s => s.Tier);
            var bytes = segments.ToDictionary(s => s.SegmentId, s => s.ResidentBytes);
            foreach (TierMove move in plan)
            {
                TierCandidate s = segments[move.SegmentId];
                if (s.Pinned is not null || tiers[move.SegmentId] != move.From || (int)move.To != (int)move.From + 1)
                {
                    return false;
                }

                tiers[move.SegmentId] = move.To;
                bytes[move.SegmentId] = move.To == SegmentTier.Warm ? s.WarmBytes : s.ColdBytes;
            }

            long total = bytes.Values.Sum();
            long floor = segments.Sum(Floor);
            bool reached = total <= budget || total == floor;

            // Without the last move the budget was not yet met (no move beyond what was needed).
            bool minimal = plan.Count == 0 || total + Saved(plan[^1], segments) > budget;
            return reached && minimal;
        });
    }

    /// <summary>The least a segment can be brought to by the planner's steps (hot → warm only when smaller, then cold only when smaller).</summary>
    private static long Floor(TierCandidate s)
    {
        if (s.Pinned is not null)
        {
            return s.ResidentBytes;
        }

        return s.Tier switch
        {
            SegmentTier.Hot when s.WarmBytes < s.ResidentBytes => Math.Min(s.WarmBytes, s.ColdBytes),
            SegmentTier.Warm => Math.Min(s.ResidentBytes, s.ColdBytes),
            _ => s.ResidentBytes,
        };
    }

    private static long Saved(TierMove move, TierCandidate[] segments)
    {
        TierCandidate s = segments[move.SegmentId];
        return move.To == SegmentTier.Warm ? s.ResidentBytes - s.WarmBytes : (move.From == s.Tier ? s.ResidentBytes : s.WarmBytes) - s.ColdBytes;
    }

    private static TierCandidate Candidate(SegmentTier tier, DateTimeOffset entered, DateTimeOffset lastAccess, int accesses) =>
        new("c", 1, tier, null, entered, lastAccess, accesses, 1000, 300, 10, Policy);

    private static TierCandidate Sized(int id, SegmentTier tier, int lastAccessDays, long resident, long warm) =>
        new("c", id, tier, null, Start, Start.AddDays(lastAccessDays), 0, resident, warm, 10, null);
}
