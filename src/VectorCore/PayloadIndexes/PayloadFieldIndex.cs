using VectorEngine.Filters;

namespace VectorEngine.PayloadIndexes;

/// <summary>
/// One declared payload index inside one segment. Segments are append-only (an update appends a new offset and
/// tombstones the old), so indexes only ever append; readers filter out tombstoned offsets themselves.
/// </summary>
internal abstract class PayloadFieldIndex
{
    protected PayloadFieldIndex(string key)
    {
        Key = key;
    }

    public string Key { get; }

    public static PayloadFieldIndex Create(string key, PayloadIndexType type) => type switch
    {
        PayloadIndexType.Keyword or PayloadIndexType.Bool => new ExactValueIndex(key),
        PayloadIndexType.Integer => new IntegerIndex(key),
        PayloadIndexType.Float => new NumericRangeIndex(key, dateTime: false),
        PayloadIndexType.DateTime => new NumericRangeIndex(key, dateTime: true),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Records the value(s) of this key for a new offset: each element of an array, or the single value.</summary>
    public virtual void Add(uint offset, PayloadValue value)
    {
        if (value.Kind == PayloadValueKind.Array)
        {
            foreach (PayloadValue element in value.ArrayOrNull!)
            {
                AddOne(offset, element);
            }
        }
        else
        {
            AddOne(offset, value);
        }
    }

    /// <summary>Records one scalar value.</summary>
    protected abstract void AddOne(uint offset, PayloadValue value);

    /// <summary>
    /// Offsets that may satisfy <paramref name="condition"/> (a superset of the true matches among live points), or null
    /// when this index cannot answer it. The list is sorted and free of duplicates.
    /// </summary>
    public abstract List<uint>? Candidates(Condition condition);

    /// <summary>Upper bound on the number of candidates, without materialising them; -1 when not answerable.</summary>
    public abstract long EstimateCount(Condition condition);

    protected static List<uint> SortedUnique(List<uint> offsets)
    {
        offsets.Sort();
        int w = 0;
        for (int r = 0; r < offsets.Count; r++)
        {
            if (w == 0 || offsets[r] != offsets[w - 1])
            {
                offsets[w++] = offsets[r];
            }
        }

        offsets.RemoveRange(w, offsets.Count - w);
        return offsets;
    }
}
