namespace VectorEngine.Tiers;

/// <summary>
/// Decides tier moves from what is known of each sealed segment: by age and access count (each collection's
/// <see cref="TierPolicy"/>) and by the database's memory budget. Pure: the mover gathers the facts and applies the moves,
/// so tests drive the decisions with any clock.
/// </summary>
internal static class TierPlanner
{
    /// <summary>Moves the policy asks for at <paramref name="now"/>: hot → warm, warm → cold, and warm → hot when accessed often again.</summary>
    public static List<TierMove> ByPolicy(IEnumerable<TierCandidate> segments, DateTimeOffset now)
    {
        var moves = new List<TierMove>();
        foreach (TierCandidate s in segments)
        {
            if (s.Policy is not { } policy || s.Pinned is not null)
            {
                continue;
            }

            switch (s.Tier)
            {
                case SegmentTier.Hot when now - s.EnteredAt >= policy.WarmAfter && s.RecentAccesses < policy.WarmBelowAccesses:
                    moves.Add(new TierMove(s.Owner, s.SegmentId, SegmentTier.Hot, SegmentTier.Warm, TierMoveReason.Policy));
                    break;
                case SegmentTier.Warm when s.RecentAccesses >= policy.WarmBelowAccesses:
                    moves.Add(new TierMove(s.Owner, s.SegmentId, SegmentTier.Warm, SegmentTier.Hot, TierMoveReason.Policy));
                    break;
                // Counted from the last access or the demotion, whichever is later: a segment idle for long before the
                // policy was set turns warm first, and cold only a full period later.
                case SegmentTier.Warm when now - Max(s.LastAccess, s.EnteredAt) >= policy.ColdAfter:
                    moves.Add(new TierMove(s.Owner, s.SegmentId, SegmentTier.Warm, SegmentTier.Cold, TierMoveReason.Policy));
                    break;
            }
        }

        return moves;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>
    /// Demotions that bring the resident bytes to at most <paramref name="maxResidentBytes"/>: least recently used first,
    /// hot segments to warm before any warm one goes cold (a warm segment still answers from local disk). Pinned segments
    /// and <paramref name="fixedBytes"/> (mutable segments, shared stores) are never moved.
    /// </summary>
    public static List<TierMove> ByBudget(IReadOnlyList<TierCandidate> segments, long fixedBytes, long maxResidentBytes)
    {
        long total = fixedBytes + segments.Sum(s => s.ResidentBytes);
        var moves = new List<TierMove>();
        if (total <= maxResidentBytes)
        {
            return moves;
        }

        TierCandidate[] byAge = [.. segments.Where(s => s.Pinned is null).OrderBy(s => s.LastAccess).ThenBy(s => s.SegmentId)];
        var demotedToWarm = new List<TierCandidate>();
        foreach (TierCandidate s in byAge)
        {
            if (total <= maxResidentBytes)
            {
                return moves;
            }

            if (s.Tier == SegmentTier.Hot && s.WarmBytes < s.ResidentBytes)
            {
                moves.Add(new TierMove(s.Owner, s.SegmentId, SegmentTier.Hot, SegmentTier.Warm, TierMoveReason.Budget));
                total -= s.ResidentBytes - s.WarmBytes;
                demotedToWarm.Add(s with { Tier = SegmentTier.Warm, ResidentBytes = s.WarmBytes });
            }
        }

        foreach (TierCandidate s in byAge)
        {
            if (total <= maxResidentBytes)
            {
                break;
            }

            TierCandidate current = demotedToWarm.Find(d => d.Owner == s.Owner && d.SegmentId == s.SegmentId) ?? s;
            if (current.Tier == SegmentTier.Warm && current.ColdBytes < current.ResidentBytes)
            {
                moves.Add(new TierMove(s.Owner, s.SegmentId, SegmentTier.Warm, SegmentTier.Cold, TierMoveReason.Budget));
                total -= current.ResidentBytes - current.ColdBytes;
            }
        }

        return moves;
    }
}

/// <summary>The facts a tier decision reads about one sealed segment.</summary>
/// <param name="Owner">The collection (its name).</param>
/// <param name="SegmentId">The segment.</param>
/// <param name="Tier">Its tier now.</param>
/// <param name="Pinned">Its pin, if any.</param>
/// <param name="EnteredAt">When it entered its tier.</param>
/// <param name="LastAccess">Its last access (or when it was written, if never accessed).</param>
/// <param name="RecentAccesses">Accesses within its policy's warm window.</param>
/// <param name="ResidentBytes">Bytes it holds in memory now.</param>
/// <param name="WarmBytes">Bytes it would hold warm.</param>
/// <param name="ColdBytes">Bytes it would hold cold.</param>
/// <param name="Policy">Its collection's policy (null: moved only by hand and by the budget).</param>
internal sealed record TierCandidate(string Owner, int SegmentId, SegmentTier Tier, SegmentTier? Pinned, DateTimeOffset EnteredAt,
    DateTimeOffset LastAccess, int RecentAccesses, long ResidentBytes, long WarmBytes, long ColdBytes, TierPolicy? Policy);

/// <summary>One move to make.</summary>
/// <param name="Owner">The collection.</param>
/// <param name="SegmentId">The segment.</param>
/// <param name="From">Its tier when planned (the move is skipped if it changed since).</param>
/// <param name="To">The tier to move it to.</param>
/// <param name="Reason">Why.</param>
internal sealed record TierMove(string Owner, int SegmentId, SegmentTier From, SegmentTier To, TierMoveReason Reason);

/// <summary>Why a segment moves (a metric tag).</summary>
internal enum TierMoveReason
{
    /// <summary>Age and access count.</summary>
    Policy,

    /// <summary>The memory budget.</summary>
    Budget,

    /// <summary>A search or read needed a cold segment.</summary>
    Access,

    /// <summary>An admin call.</summary>
    Manual,
}
