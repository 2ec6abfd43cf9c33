using System.Runtime.CompilerServices;

namespace VectorEngine.Segments;

/// <summary>
/// A sealed segment's ids in the least memory: a <see cref="PointId"/> is 40 bytes (kind, number, UUID and string
/// fields side by side), a numeric id needs 8. Warm and cold segments keep only ids in memory, so at ten million
/// points this is the difference between 400 MB and 80 MB.
/// </summary>
internal static class CompactIds
{
    /// <summary>The ids of <paramref name="ids"/> in an exact-size array: numbers alone when every id is a number.</summary>
    public static IPointIdStore Of(IReadOnlyList<PointId> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var numbers = new ulong[ids.Count];
        for (int i = 0; i < numbers.Length; i++)
        {
            PointId id = ids[i];
            if (id.Kind != PointIdKind.Number)
            {
                return new PointIdArray([.. ids]);
            }

            numbers[i] = id.Number;
        }

        return new NumberIds(numbers);
    }

    /// <summary>
    /// Bytes <paramref name="ids"/> take once compacted: exact for a compact store; for a hot segment's list, what
    /// compaction would give, judged by its first id (a collection's ids are of one kind in practice).
    /// </summary>
    public static long BytesOf(IPointIdStore ids) => ids switch
    {
        NumberIds => sizeof(ulong) * (long)ids.Count,
        PointIdArray => Unsafe.SizeOf<PointId>() * (long)ids.Count,
        _ when ids.Count == 0 => 0,
        _ => (ids.IdAt(0).Kind == PointIdKind.Number ? sizeof(ulong) : Unsafe.SizeOf<PointId>()) * (long)ids.Count,
    };

    /// <summary>Numeric ids, 8 bytes each.</summary>
    private sealed class NumberIds(ulong[] numbers) : IPointIdStore
    {
        public int Count => numbers.Length;

        public PointId IdAt(uint offset) => new(numbers[offset]);
    }

    /// <summary>Ids of any kind in an exact-size array (no list slack).</summary>
    private sealed class PointIdArray(PointId[] ids) : IPointIdStore
    {
        public int Count => ids.Length;

        public PointId IdAt(uint offset) => ids[offset];
    }
}
