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

    protected override void AddOne(uint offset, PayloadValue value)
    {
        base.AddOne(offset, value);
        _exact.AddScalar(offset, value);
    }

    public override List<uint>? Candidates(Condition condition) =>
        condition is MatchCondition or MatchAnyCondition ? _exact.Candidates(condition) : base.Candidates(condition);

    public override long EstimateCount(Condition condition) =>
        condition is MatchCondition or MatchAnyCondition ? _exact.EstimateCount(condition) : base.EstimateCount(condition);
}
