namespace VectorEngine.Sharding.Placement;

/// <summary>
/// Places a collection's shards on nodes: each shard starts at its own point on the node ring and walks clockwise to
/// the first node with room, where room is ⌈shards·copies / nodes⌉ (consistent hashing with bounded loads, Mirrokni
/// et al. 2018). A plain ring puts 6 shards on 3 nodes as 4/1/1 often enough to matter; the bound keeps them 2/2/2
/// while a shard still lands where the ring says whenever that node has room, so placements of different collections
/// spread differently and a membership change moves few shards.
/// </summary>
public static class ShardPlacement
{
    /// <summary>The most shards a collection may have.</summary>
    public const int MaxShards = 1024;

    /// <summary>Assigns <paramref name="shardCount"/> shards of <paramref name="collection"/> to <paramref name="nodes"/>.</summary>
    /// <param name="collection">The collection's name (it seeds each shard's start on the ring).</param>
    /// <param name="shardCount">1 to <see cref="MaxShards"/>.</param>
    /// <param name="nodes">The live node ids.</param>
    /// <param name="copies">Nodes per shard (1 = no replica), at most the node count.</param>
    /// <returns>For each shard, in shard order, its nodes: the first is the primary.</returns>
    /// <exception cref="ArgumentException">A count out of range, or no node.</exception>
    public static IReadOnlyList<ShardAssignment> Assign(string collection, int shardCount, IReadOnlyCollection<string> nodes, int copies = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(collection);
        ArgumentNullException.ThrowIfNull(nodes);
        if (shardCount is < 1 or > MaxShards)
        {
            throw new ArgumentOutOfRangeException(nameof(shardCount), shardCount, $"shard_number must be 1 to {MaxShards}.");
        }

        if (nodes.Count == 0)
        {
            throw new ArgumentException("No live node to place shards on.", nameof(nodes));
        }

        if (copies < 1 || copies > nodes.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(copies), copies, $"Copies per shard must be 1 to the {nodes.Count} live nodes.");
        }

        var ring = new HashRing(nodes);
        int capacity = (shardCount * copies + nodes.Count - 1) / nodes.Count;
        var load = new Dictionary<string, int>(StringComparer.Ordinal);
        var shards = new ShardAssignment[shardCount];
        for (int shard = 0; shard < shardCount; shard++)
        {
            var chosen = new List<string>(copies);
            foreach (string node in ring.Walk(StableHash.OfVirtualNode(collection, shard)))
            {
                if (load.GetValueOrDefault(node) < capacity)
                {
                    chosen.Add(node);
                    load[node] = load.GetValueOrDefault(node) + 1;
                    if (chosen.Count == copies)
                    {
                        break;
                    }
                }
            }

            // With copies > 1 the room left can sit on fewer nodes than a shard needs: the least loaded make up the rest.
            foreach (string node in ring.Members.Where(n => !chosen.Contains(n)).OrderBy(n => load.GetValueOrDefault(n)).ThenBy(n => n, StringComparer.Ordinal))
            {
                if (chosen.Count == copies)
                {
                    break;
                }

                chosen.Add(node);
                load[node] = load.GetValueOrDefault(node) + 1;
            }

            shards[shard] = new ShardAssignment(shard, chosen);
        }

        return shards;
    }
}
