namespace VectorEngine;

/// <summary>One sealed segment's place in the tiers, as the admin call reports it.</summary>
/// <param name="SegmentId">The segment.</param>
/// <param name="Tier">Where it is now.</param>
/// <param name="Points">Rows it holds, tombstoned ones included.</param>
/// <param name="ResidentBytes">Bytes it keeps in memory in this tier (graph, codes, resident vectors, ids, payloads).</param>
/// <param name="PinnedTier">The tier it is pinned to (the policy and the budget leave it there), or null.</param>
/// <param name="LastAccess">The last search or read that touched it (or when it entered its tier, if none since).</param>
/// <param name="RecentAccesses">Accesses within the policy's warm window.</param>
public sealed record SegmentTierInfo(int SegmentId, SegmentTier Tier, int Points, long ResidentBytes, SegmentTier? PinnedTier,
    DateTimeOffset LastAccess, int RecentAccesses);
