
namespace VectorEngine.Filters;

/// <summary>
/// One test on a point inside a <see cref="Filter"/>. Build them with the static factories
/// (<see cref="Match(string, PayloadValue)"/>, <see cref="Range"/>, ...); a <see cref="Filter"/> is itself a condition,
/// so filters nest.
/// </summary>
public abstract class Condition
{
    private protected Condition()
    {
    }

    /// <summary>Key equals a keyword, integer or bool (for arrays: any element does).</summary>
    /// <param name="key">The payload key.</param>
    /// <param name="value">A string, integer or bool.</param>
    public static MatchCondition Match(string key, PayloadValue value) => new(key, value);

    /// <summary>Key equals any of the values (for arrays: any element does).</summary>
    /// <param name="key">The payload key.</param>
    /// <param name="values">Strings, integers or bools.</param>
    public static MatchAnyCondition MatchAny(string key, params PayloadValue[] values) => new(key, values);

    /// <summary>A numeric key (integer or float) lies within the bounds; null bounds are open.</summary>
    /// <param name="key">The payload key.</param>
    /// <param name="gt">Strictly greater than.</param>
    /// <param name="gte">Greater than or equal.</param>
    /// <param name="lt">Strictly less than.</param>
    /// <param name="lte">Less than or equal.</param>
    public static RangeCondition Range(string key, double? gt = null, double? gte = null, double? lt = null, double? lte = null) =>
        new(key, gt, gte, lt, lte);

    /// <summary>A datetime key lies within the bounds; null bounds are open.</summary>
    /// <param name="key">The payload key.</param>
    /// <param name="gt">Strictly after.</param>
    /// <param name="gte">At or after.</param>
    /// <param name="lt">Strictly before.</param>
    /// <param name="lte">At or before.</param>
    public static DateTimeRangeCondition DateTimeRange(string key, DateTime? gt = null, DateTime? gte = null, DateTime? lt = null, DateTime? lte = null) =>
        new(key, gt, gte, lt, lte);

    /// <summary>The key is present with an explicit null value.</summary>
    /// <param name="key">The payload key.</param>
    public static IsNullCondition IsNull(string key) => new(key);

    /// <summary>The key is missing, null, or an empty array.</summary>
    /// <param name="key">The payload key.</param>
    public static IsEmptyCondition IsEmpty(string key) => new(key);

    /// <summary>The point's id is one of <paramref name="ids"/>.</summary>
    /// <param name="ids">The ids.</param>
    public static HasIdCondition HasId(params PointId[] ids) => new(ids);

    /// <summary>
    /// Every term of <paramref name="text"/> occurs in the key's text (Qdrant's full-text match), both cut into terms by
    /// the key's text analyzer (<see cref="CollectionOptions.TextAnalyzers"/>; English for a key without a text index).
    /// Text that analyzes to no term at all (only stop words) matches nothing.
    /// </summary>
    /// <param name="key">The payload key: a string or an array of strings.</param>
    /// <param name="text">The words that must all occur.</param>
    public static TextCondition Text(string key, string text) => new(key, text);

    /// <summary>Evaluates the condition on one point, without any index.</summary>
    /// <param name="id">The point id.</param>
    /// <param name="payload">The point's payload.</param>
    public abstract bool Matches(PointId id, IReadOnlyDictionary<string, PayloadValue> payload);

    /// <summary>Checks the condition is well formed; throws <see cref="InvalidFilterException"/> otherwise.</summary>
    internal abstract void Validate(int depth, ref int budget);

    private protected static void ValidateKey(string key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > Payload.MaxKeyLength)
        {
            throw new InvalidFilterException($"Filter key must have 1 to {Payload.MaxKeyLength} characters; got '{key}'.");
        }
    }
}
