
namespace VectorEngine.Filters;

/// <summary>
/// A boolean filter over points, as in Qdrant: every <see cref="Must"/> condition holds, at least one
/// <see cref="Should"/> condition holds (when there are any), and no <see cref="MustNot"/> condition holds.
/// </summary>
/// <example><code>
/// var filter = new Filter
/// {
///     Must = { Condition.Match("tenant", "acme"), Condition.Range("year", gte: 2020) },
///     MustNot = { Condition.Match("archived", true) },
/// };
/// </code></example>
public sealed class Filter : Condition
{
    /// <summary>The deepest nesting accepted (a filter directly in a search counts as depth 1).</summary>
    public const int MaxDepth = 16;

    /// <summary>The most conditions (and match-any values) one filter may hold in total.</summary>
    public const int MaxConditions = 4096;

    /// <summary>Conditions that must all hold.</summary>
    public List<Condition> Must { get; init; } = [];

    /// <summary>Conditions of which at least one must hold, when the list is not empty.</summary>
    public List<Condition> Should { get; init; } = [];

    /// <summary>Conditions none of which may hold.</summary>
    public List<Condition> MustNot { get; init; } = [];

    /// <inheritdoc />
    public override bool Matches(PointId id, IReadOnlyDictionary<string, PayloadValue> payload)
    {
        foreach (Condition c in Must)
        {
            if (!c.Matches(id, payload))
            {
                return false;
            }
        }

        foreach (Condition c in MustNot)
        {
            if (c.Matches(id, payload))
            {
                return false;
            }
        }

        if (Should.Count == 0)
        {
            return true;
        }

        foreach (Condition c in Should)
        {
            if (c.Matches(id, payload))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Checks the whole tree: no null lists or conditions, depth and size within the limits, valid leaves.</summary>
    /// <exception cref="InvalidFilterException">The filter is malformed.</exception>
    public void Validate()
    {
        int budget = MaxConditions;
        Validate(1, ref budget);
    }

    internal override void Validate(int depth, ref int budget)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidFilterException($"Filter is nested deeper than the maximum of {MaxDepth} levels.");
        }

        ValidateList(Must, nameof(Must), depth, ref budget);
        ValidateList(Should, nameof(Should), depth, ref budget);
        ValidateList(MustNot, nameof(MustNot), depth, ref budget);
    }

    private static void ValidateList(List<Condition>? list, string name, int depth, ref int budget)
    {
        if (list is null)
        {
            throw new InvalidFilterException($"Filter.{name} is null.");
        }

        foreach (Condition? c in list)
        {
            if (c is null)
            {
                throw new InvalidFilterException($"Filter.{name} holds a null condition.");
            }

            if (--budget < 0)
            {
                throw new InvalidFilterException($"Filter has more than {MaxConditions} conditions.");
            }

            c.Validate(depth + 1, ref budget);
        }
    }
}
