namespace VectorEngine.Sharding.Placement;

/// <summary>
/// A consistent-hash ring with virtual nodes (Karger et al.; Dynamo's tokens): each member owns the arcs that end at
/// its <see cref="VirtualNodes"/> positions, and a 64-bit hash belongs to the first position at or after it, wrapping
/// past the top. Adding a member takes over only the arcs its own positions cut, about 1/N of the ring; removing one
/// hands only its arcs to the next positions. The ring is a pure function of the member set: the order members are
/// given in changes nothing.
/// </summary>
/// <remarks>
/// Positions are <see cref="StableHash"/> values of "member#i", the same on every process and version, so two nodes
/// that read the same shard map route every key alike. Lookups are a binary search over N·V sorted positions.
/// </remarks>
public sealed class HashRing
{
    /// <summary>Virtual nodes per member unless told: enough that a member's share of the ring is within a few percent
    /// of 1/N (the share's relative spread is about 1/√V).</summary>
    public const int DefaultVirtualNodes = 512;

    private readonly ulong[] _positions;
    private readonly int[] _owners;
    private readonly string[] _members;

    /// <summary>Builds the ring of <paramref name="members"/>.</summary>
    /// <param name="members">Distinct, non-empty member names (node ids, or shard names).</param>
    /// <param name="virtualNodes">Positions per member, 1 to 65,536.</param>
    /// <exception cref="ArgumentException">No member, an empty or repeated name, or a virtual-node count out of range.</exception>
    public HashRing(IEnumerable<string> members, int virtualNodes = DefaultVirtualNodes)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentOutOfRangeException.ThrowIfLessThan(virtualNodes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(virtualNodes, 65_536);
        string[] sorted = members.ToArray();
        Array.Sort(sorted, StringComparer.Ordinal);
        if (sorted.Length == 0)
        {
            throw new ArgumentException("A hash ring needs at least one member.", nameof(members));
        }

        for (int i = 0; i < sorted.Length; i++)
        {
            if (string.IsNullOrEmpty(sorted[i]) || (i > 0 && sorted[i] == sorted[i - 1]))
            {
                throw new ArgumentException($"Ring members must be distinct and non-empty; got '{sorted[i]}' twice or empty.", nameof(members));
            }
        }

        _members = sorted;
        VirtualNodes = virtualNodes;
        var entries = new (ulong Position, int Owner)[sorted.Length * virtualNodes];
        for (int m = 0; m < sorted.Length; m++)
        {
            for (int v = 0; v < virtualNodes; v++)
            {
                entries[m * virtualNodes + v] = (StableHash.OfVirtualNode(sorted[m], v), m);
            }
        }

        // Ties (two positions equal in 64 bits) are broken by member name, so the ring stays order-independent.
        Array.Sort(entries, static (a, b) => a.Position != b.Position ? a.Position.CompareTo(b.Position) : a.Owner.CompareTo(b.Owner));
        _positions = new ulong[entries.Length];
        _owners = new int[entries.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            _positions[i] = entries[i].Position;
            _owners[i] = entries[i].Owner;
        }
    }

    /// <summary>The members, in ordinal order.</summary>
    public IReadOnlyList<string> Members => _members;

    /// <summary>Positions per member.</summary>
    public int VirtualNodes { get; }

    /// <summary>The member that owns <paramref name="hash"/>: the owner of the first position at or after it.</summary>
    /// <param name="hash">A 64-bit key hash (<see cref="StableHash"/>).</param>
    public string Owner(ulong hash) => _members[OwnerIndex(hash)];

    /// <summary>
    /// The owners met walking clockwise from <paramref name="hash"/>, each once, nearest first: the first is
    /// <see cref="Owner"/>; the rest are where replicas or a bounded-load placement go next.
    /// </summary>
    /// <param name="hash">Where to start.</param>
    public IEnumerable<string> Walk(ulong hash)
    {
        var seen = new bool[_members.Length];
        int found = 0;
        int start = FirstAtOrAfter(hash);
        for (int step = 0; step < _positions.Length && found < _members.Length; step++)
        {
            int owner = _owners[(start + step) % _positions.Length];
            if (!seen[owner])
            {
                seen[owner] = true;
                found++;
                yield return _members[owner];
            }
        }
    }

    /// <summary>
    /// Each member's share of the 64-bit hash space (the arcs it owns, as a fraction), for balance checks and the
    /// movement a membership change causes.
    /// </summary>
    public IReadOnlyDictionary<string, double> Shares()
    {
        var shares = new double[_members.Length];
        for (int i = 0; i < _positions.Length; i++)
        {
            // The arc from the previous position (exclusive) to this one (inclusive) belongs to this position's owner.
            ulong previous = i == 0 ? _positions[^1] : _positions[i - 1];
            ulong arc = unchecked(_positions[i] - previous);
            shares[_owners[i]] += _positions.Length == 1 ? 1.0 : arc / 18446744073709551616.0;
        }

        var result = new Dictionary<string, double>(_members.Length, StringComparer.Ordinal);
        for (int m = 0; m < _members.Length; m++)
        {
            result[_members[m]] = shares[m];
        }

        return result;
    }

    /// <summary>The sorted positions and their owners, for measuring how two rings differ.</summary>
    internal (ulong[] Positions, string[] Owners) Arcs() => (_positions, _owners.Select(o => _members[o]).ToArray());

    private int OwnerIndex(ulong hash) => _owners[FirstAtOrAfter(hash)];

    private int FirstAtOrAfter(ulong hash)
    {
        int index = Array.BinarySearch(_positions, hash);
        if (index < 0)
        {
            index = ~index;
        }
        else
        {
            // Equal positions sort together: the first of them owns the hash.
            while (index > 0 && _positions[index - 1] == hash)
            {
                index--;
            }
        }

        return index == _positions.Length ? 0 : index;
    }
}
