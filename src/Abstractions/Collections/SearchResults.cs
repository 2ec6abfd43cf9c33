using System.Collections;

namespace VectorEngine;

/// <summary>
/// A search's hits, best first, and whether every segment was searched: a search that may not wait for a cold segment
/// to be fetched (<see cref="TierPolicy.ColdFetchTimeout"/>) answers without it and says so here.
/// </summary>
public sealed class SearchResults : IReadOnlyList<ScoredPoint>
{
    private readonly IReadOnlyList<ScoredPoint> _hits;

    /// <summary>Results over <paramref name="hits"/>.</summary>
    /// <param name="hits">The hits, best first.</param>
    /// <param name="isPartial">Whether some segments were left out.</param>
    public SearchResults(IReadOnlyList<ScoredPoint> hits, bool isPartial = false)
    {
        ArgumentNullException.ThrowIfNull(hits);
        _hits = hits;
        IsPartial = isPartial;
    }

    /// <summary>True when some cold segments were not searched (their fetch goes on in the background).</summary>
    public bool IsPartial { get; }

    /// <inheritdoc />
    public int Count => _hits.Count;

    /// <inheritdoc />
    public ScoredPoint this[int index] => _hits[index];

    /// <inheritdoc />
    public IEnumerator<ScoredPoint> GetEnumerator() => _hits.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
