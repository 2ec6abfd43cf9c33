using VectorEngine.Filters;

namespace VectorEngine.PayloadIndexes;

/// <summary>Posting lists per exact value (keywords and bools): answers match and match-any.</summary>
internal sealed class ExactValueIndex : PayloadFieldIndex
{
    private readonly Dictionary<PayloadValue, List<uint>> _postings = new();

    public ExactValueIndex(string key)
        : base(key)
    {
    }

    public override List<uint>? Candidates(Condition condition)
    {
        switch (condition)
        {
            case MatchCondition m when m.Key == Key:
                return _postings.TryGetValue(m.Value, out List<uint>? list) ? SortedUnique([.. list]) : [];
            case MatchAnyCondition m when m.Key == Key:
                var all = new List<uint>();
                foreach (PayloadValue v in m.Values)
                {
                    if (_postings.TryGetValue(v, out List<uint>? l))
                    {
                        all.AddRange(l);
                    }
                }

                return SortedUnique(all);
            default:
                return null;
        }
    }

    public override long EstimateCount(Condition condition)
    {
        switch (condition)
        {
            case MatchCondition m when m.Key == Key:
                return _postings.TryGetValue(m.Value, out List<uint>? list) ? list.Count : 0;
            case MatchAnyCondition m when m.Key == Key:
                long n = 0;
                foreach (PayloadValue v in m.Values)
                {
                    n += _postings.TryGetValue(v, out List<uint>? l) ? l.Count : 0;
                }

                return n;
            default:
                return -1;
        }
    }

    /// <summary>Adds one scalar (for <see cref="IntegerIndex"/>, which owns one of these).</summary>
    internal void AddScalar(uint offset, PayloadValue value) => AddOne(offset, value);

    protected override void AddOne(uint offset, PayloadValue value)
    {
        if (value.IsNull)
        {
            return;
        }

        if (!_postings.TryGetValue(value, out List<uint>? list))
        {
            list = [];
            _postings[value] = list;
        }

        list.Add(offset);
    }
}
