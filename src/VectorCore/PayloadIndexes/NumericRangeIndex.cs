using VectorEngine.Filters;

namespace VectorEngine.PayloadIndexes;

/// <summary>
/// (value, offset) entries sorted by value, for range conditions on floats or datetimes. Appends go to an unsorted tail
/// that is merged in on the next query, so a write costs O(1) and a query after a burst of writes pays one sort.
/// </summary>
internal class NumericRangeIndex : PayloadFieldIndex
{
    private readonly bool _dateTime;
    private readonly object _sortLock = new();
    private (double Value, uint Offset)[] _entries = [];
    private int _count;
    private int _sortedCount;

    public NumericRangeIndex(string key, bool dateTime)
        : base(key)
    {
        _dateTime = dateTime;
    }

    public override List<uint>? Candidates(Condition condition)
    {
        if (!TryBounds(condition, out double lo, out double hi))
        {
            return null;
        }

        ReadOnlySpan<(double Value, uint Offset)> entries = Sorted();
        int start = LowerBound(entries, lo);
        var result = new List<uint>();
        for (int i = start; i < entries.Length && entries[i].Value <= hi; i++)
        {
            result.Add(entries[i].Offset);
        }

        return SortedUnique(result);
    }

    public override long EstimateCount(Condition condition)
    {
        if (!TryBounds(condition, out double lo, out double hi))
        {
            return -1;
        }

        ReadOnlySpan<(double Value, uint Offset)> entries = Sorted();
        return Math.Max(0, UpperBound(entries, hi) - LowerBound(entries, lo));
    }

    /// <summary>Inclusive bounds that contain every value the condition accepts; the condition is re-checked later.</summary>
    protected virtual bool TryBounds(Condition condition, out double lo, out double hi)
    {
        lo = double.NegativeInfinity;
        hi = double.PositiveInfinity;
        switch (condition)
        {
            case RangeCondition r when !_dateTime && r.Key == Key:
                lo = Math.Max(r.Gt ?? double.NegativeInfinity, r.Gte ?? double.NegativeInfinity);
                hi = Math.Min(r.Lt ?? double.PositiveInfinity, r.Lte ?? double.PositiveInfinity);
                return true;
            case DateTimeRangeCondition d when _dateTime && d.Key == Key:
                lo = Math.Max(d.Gt?.Ticks ?? long.MinValue, d.Gte?.Ticks ?? long.MinValue);
                hi = Math.Min(d.Lt?.Ticks ?? long.MaxValue, d.Lte?.Ticks ?? long.MaxValue);
                return true;
            default:
                return false;
        }
    }

    protected override void AddOne(uint offset, PayloadValue value)
    {
        double x;
        if (_dateTime)
        {
            if (value.Kind != PayloadValueKind.DateTime)
            {
                return;
            }

            x = value.RawBits;
        }
        else if (!value.TryGetNumber(out x))
        {
            return;
        }

        lock (_sortLock)
        {
            if (_count == _entries.Length)
            {
                Array.Resize(ref _entries, Math.Max(16, _count * 2));
            }

            _entries[_count++] = (x, offset);
        }
    }

    // Searches run under the collection's read lock, concurrently with each other; the lazy sort is guarded here.
    private ReadOnlySpan<(double Value, uint Offset)> Sorted()
    {
        lock (_sortLock)
        {
            if (_sortedCount != _count)
            {
                Array.Sort(_entries, 0, _count, Comparer<(double Value, uint Offset)>.Create((a, b) => a.Value.CompareTo(b.Value)));
                _sortedCount = _count;
            }

            return _entries.AsSpan(0, _count);
        }
    }

    private static int LowerBound(ReadOnlySpan<(double Value, uint Offset)> entries, double lo)
    {
        int left = 0, right = entries.Length;
        while (left < right)
        {
            int mid = (left + right) >>> 1;
            if (entries[mid].Value < lo)
            {
                left = mid + 1;
            }
            else
            {
                right = mid;
            }
        }

        return left;
    }

    private static int UpperBound(ReadOnlySpan<(double Value, uint Offset)> entries, double hi)
    {
        int left = 0, right = entries.Length;
        while (left < right)
        {
            int mid = (left + right) >>> 1;
            if (entries[mid].Value <= hi)
            {
                left = mid + 1;
            }
            else
            {
                right = mid;
            }
        }

        return left;
    }
}
