using VectorEngine.Segments;

namespace VectorEngine.Tiers;

/// <summary>
/// What a sealed segment holds in memory in each tier, by the parts each keeps resident: the figures the budget and
/// the resident-bytes metric use. Payloads and ids are estimated per row (a managed object graph has no exact size).
/// </summary>
internal static class TierAccounting
{
    /// <summary>Bytes per resident id: a <see cref="PointId"/> in its list slot (string ids hold their string besides).</summary>
    public static readonly int IdBytes = System.Runtime.CompilerServices.Unsafe.SizeOf<PointId>();

    /// <summary>Estimated bytes per resident payload (a small dictionary and its values).</summary>
    public const int PayloadBytes = 96;

    /// <summary>Bytes the segment holds now.</summary>
    public static long ResidentBytes(Segment segment) => segment.Tier switch
    {
        SegmentTier.Hot => FloatBytes(segment) + segment.Index.MemoryBytes + Rows(segment) + PayloadIndexBytes(segment),
        SegmentTier.Warm => segment.Index.MemoryBytes + Ids(segment) + PayloadIndexBytes(segment),
        _ => ColdBytes(segment),
    };

    /// <summary>Bytes it would hold warm: graph and codes (int8: a byte per dimension and two floats per row, when not trained yet), ids, payload indexes.</summary>
    public static long WarmBytes(Segment segment)
    {
        if (segment.Tier == SegmentTier.Warm)
        {
            return ResidentBytes(segment);
        }

        long codes = segment.Index.CodeMemoryBytes > 0 ? 0 : (long)segment.Count * (segment.Store.Dimension + 8);
        long index = segment.Tier == SegmentTier.Cold ? 0 : segment.Index.MemoryBytes;
        return index + codes + Ids(segment) + PayloadIndexBytes(segment);
    }

    /// <summary>Bytes it would hold cold: ids and tombstones.</summary>
    public static long ColdBytes(Segment segment) => Ids(segment) + (segment.Count / 8);

    private static long FloatBytes(Segment segment) => (long)segment.Count * segment.Store.Stride * sizeof(float);

    /// <summary>Warm and cold segments keep their ids compacted (<see cref="CompactIds"/>).</summary>
    private static long Ids(Segment segment) => CompactIds.BytesOf(segment.Ids);

    private static long Rows(Segment segment) => (long)segment.Count * (IdBytes + PayloadBytes);

    /// <summary>Estimated bytes per row and indexed field (a posting entry or a sorted-value slot).</summary>
    public const int PayloadIndexEntryBytes = 12;

    private static long PayloadIndexBytes(Segment segment) => (long)segment.PayloadIndexes.Count * segment.Count * PayloadIndexEntryBytes;
}
