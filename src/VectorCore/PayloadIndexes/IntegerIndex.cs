using VectorEngine.Filters;

namespace VectorEngine.PayloadIndexes;

/// <summary>Integers: posting lists for match and match-any, plus the sorted entries of the range index.</summary>
internal sealed class IntegerIndex : NumericRangeIndex
{
    private readonly ExactValueIndex _exact;

    public IntegerIndex(string key)
        : base(key, dateTime: false)
    {
        _exact = new ExactValueIndex(key);
    }

    public override void Add(uint offset, PayloadValue value)
    {
        base.Add(offset, value);
        _exact.Add(offset, value);
    }

    public override List<uint>? Candidates(Condition condition) =>
        condition is MatchCondition or MatchAnyCondition ? _exact.Candidates(condition) : base.Candidates(condition);

    public override long EstimateCount(Condition condition) =>
        condition is MatchCondition or MatchAnyCondition ? _exact.EstimateCount(condition) : base.EstimateCount(condition);
}
