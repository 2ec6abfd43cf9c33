namespace VectorEngine;

/// <summary>
/// When a collection's sealed segments move between tiers on their own. Ages and counts are read from the database's
/// <see cref="TimeProvider"/>. The defaults are those of a memory platform's recent/older/archived split: a segment
/// searched fewer than 3 times in the last 7 days turns warm, one not searched for 30 days turns cold, and a cold one
/// is fetched back (hot) when a search or read needs it.
/// </summary>
public sealed record TierPolicy
{
    /// <summary>The defaults described above.</summary>
    public static TierPolicy Default { get; } = new();

    /// <summary>A hot segment older than this, with fewer than <see cref="WarmBelowAccesses"/> accesses within it, turns warm.</summary>
    public TimeSpan WarmAfter { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Accesses within <see cref="WarmAfter"/> that keep a segment hot (and bring a warm one back to hot).</summary>
    public int WarmBelowAccesses { get; init; } = 3;

    /// <summary>A warm segment not accessed for this long turns cold.</summary>
    public TimeSpan ColdAfter { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long a search may wait for a cold segment to be fetched. A search that would have to wait longer answers
    /// without the segment, marked partial, and the fetch goes on in the background. Null: always wait.
    /// </summary>
    public TimeSpan? ColdFetchTimeout { get; init; }

    /// <summary>
    /// The codes a warm segment's searches traverse when its index does not already traverse codes ("int8" or "pq";
    /// the index must know how to load them, as HNSW does). Trained once, at the first demotion, and kept beside the
    /// segment's files.
    /// </summary>
    public string WarmQuantization { get; init; } = "int8";

    /// <summary>Checks the values.</summary>
    /// <exception cref="VectorEngineArgumentException">A value out of range.</exception>
    public void Validate()
    {
        if (WarmAfter <= TimeSpan.Zero || ColdAfter <= TimeSpan.Zero)
        {
            throw new VectorEngineArgumentException($"Tier policy ages must be positive; got warm after {WarmAfter}, cold after {ColdAfter}.", "tiering");
        }

        if (WarmBelowAccesses is < 1 or > 1_000)
        {
            throw new VectorEngineArgumentException($"Tier policy WarmBelowAccesses must be 1 to 1000; got {WarmBelowAccesses}.", "tiering");
        }

        if (ColdFetchTimeout is { } timeout && timeout < TimeSpan.Zero)
        {
            throw new VectorEngineArgumentException($"Tier policy ColdFetchTimeout must not be negative; got {timeout}.", "tiering");
        }

        if (string.IsNullOrWhiteSpace(WarmQuantization))
        {
            throw new VectorEngineArgumentException("Tier policy WarmQuantization must name a quantizer (\"int8\", \"pq\").", "tiering");
        }
    }
}
