namespace VectorEngine.Filters;

/// <summary>The key is present and holds an explicit null.</summary>
public sealed class IsNullCondition : Condition
{
    internal IsNullCondition(string key)
    {
        Key = key;
    }

    /// <summary>The payload key.</summary>
    public string Key { get; }

    /// <inheritdoc />
    public override bool Matches(PointId id, IReadOnlyDictionary<string, PayloadValue> payload) =>
        payload.TryGetValue(Key, out PayloadValue v) && v.IsNull;

    internal override void Validate(int depth, ref int budget) => ValidateKey(Key);
}

/// <summary>The key is missing, holds null, or holds an empty array.</summary>
public sealed class IsEmptyCondition : Condition
{
    internal IsEmptyCondition(string key)
    {
        Key = key;
    }

    /// <summary>The payload key.</summary>
    public string Key { get; }

    /// <inheritdoc />
    public override bool Matches(PointId id, IReadOnlyDictionary<string, PayloadValue> payload) =>
        !payload.TryGetValue(Key, out PayloadValue v) || v.IsNull || (v.Kind == PayloadValueKind.Array && v.ArrayOrNull!.Length == 0);

    internal override void Validate(int depth, ref int budget) => ValidateKey(Key);
}

/// <summary>The point's id is in a set.</summary>
public sealed class HasIdCondition : Condition
{
    internal HasIdCondition(IEnumerable<PointId> ids)
    {
        Ids = ids is null ? null! : new HashSet<PointId>(ids);
    }

    /// <summary>The most ids one condition may hold.</summary>
    public const int MaxIds = 100_000;

    /// <summary>The ids.</summary>
    public IReadOnlySet<PointId> Ids { get; }

    /// <inheritdoc />
    public override bool Matches(PointId id, IReadOnlyDictionary<string, PayloadValue> payload) => Ids.Contains(id);

    internal override void Validate(int depth, ref int budget)
    {
        if (Ids is null)
        {
            throw new InvalidFilterException("HasId needs a set of ids.");
        }

        if (Ids.Count > MaxIds)
        {
            throw new InvalidFilterException($"HasId holds {Ids.Count} ids; the maximum is {MaxIds}.");
        }

        foreach (PointId id in Ids)
        {
            if (id.IsDefault)
            {
                throw new InvalidFilterException("HasId holds a default (empty) point id.");
            }
        }
    }
}
