namespace VectorEngine.Searching;

/// <summary>
/// Merges the top-k lists of the parts a search ran over (a collection's segments; a cluster's shards) into one: nearest
/// first, ties by id, and each point once. A point can turn up twice when a search pinned a segment set while a write
/// moved it between segments; its nearest copy is kept. Reusable: <see cref="Clear"/> keeps the buffers.
/// </summary>
/// <typeparam name="TItem">What a candidate carries back to the caller (a segment row, a shard's scored point).</typeparam>
public sealed class TopKMerger<TItem>
{
    private readonly List<Candidate> _candidates = [];
    private readonly HashSet<PointId> _taken = [];
    private int _parts;

    /// <summary>
    /// Starts the results of the next part. Within one part a point comes once and nearest first, so a merge of a single
    /// part needs neither the sort nor the duplicate check.
    /// </summary>
    public void BeginPart() => _parts++;

    /// <summary>
    /// Starts a part whose results come in any order and may hold a point twice (candidates pooled from several segments
    /// and rescored together): the merge then sorts and checks duplicates however many parts there are.
    /// </summary>
    internal void BeginUnorderedPart() => _parts += 2;

    /// <summary>Offers one part's result, in the part's nearest-first order.</summary>
    /// <param name="distance">Smaller is nearer.</param>
    /// <param name="id">The point's id, by which duplicates are recognised.</param>
    /// <param name="item">What the caller needs to build the result.</param>
    public void Add(float distance, PointId id, TItem item) => _candidates.Add(new Candidate(distance, id, item));

    /// <summary>
    /// The <paramref name="k"/> nearest distinct points offered since <see cref="Clear"/>, nearest first. The list is the
    /// merger's own buffer: read it before the next <see cref="Clear"/>.
    /// </summary>
    /// <param name="k">How many to keep.</param>
    public IReadOnlyList<Candidate> Best(int k)
    {
        if (_parts <= 1)
        {
            if (_candidates.Count > k)
            {
                _candidates.RemoveRange(k, _candidates.Count - k);
            }

            return _candidates;
        }

        _candidates.Sort(static (a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.Id.CompareTo(b.Id));
        _taken.Clear();
        int kept = 0;
        for (int i = 0; i < _candidates.Count && kept < k; i++)
        {
            if (_taken.Add(_candidates[i].Id))
            {
                _candidates[kept++] = _candidates[i];
            }
        }

        _candidates.RemoveRange(kept, _candidates.Count - kept);
        return _candidates;
    }

    /// <summary>Empties the merger, dropping references to the items (a merged-away segment is not kept alive by an idle thread).</summary>
    public void Clear()
    {
        _candidates.Clear();
        _taken.Clear();
        _parts = 0;
    }

    /// <summary>One merged result.</summary>
    /// <param name="Distance">Smaller is nearer.</param>
    /// <param name="Id">The point's id.</param>
    /// <param name="Item">What the part that found it offered.</param>
    public readonly record struct Candidate(float Distance, PointId Id, TItem Item);
}
