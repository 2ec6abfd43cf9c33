using VectorEngine.Sharding.Coordination;
using VectorEngine.Sharding.Placement;

namespace VectorEngine.Sharding.Replication;

/// <summary>One copy to move: of <see cref="Shard"/>, from <see cref="From"/> to <see cref="To"/>.</summary>
public readonly record struct ShardMove(int Shard, string From, string To);

/// <summary>
/// Which copies move when nodes join: the collection's placement is computed again over the live nodes (the same
/// bounded-load consistent hashing that placed it), and only copies that the new placement puts on a joined node
/// holding no copy of the collection yet move there, each from a node the new placement no longer names for that shard
/// (a replica before the primary). Nothing moves between the nodes that were already there, and a node an operator
/// moved copies off is not refilled (it did not join).
/// </summary>
public static class RebalancePlan
{
    /// <summary>The moves onto <paramref name="joined"/> live nodes that hold no copy of <paramref name="collection"/>; empty when there are none.</summary>
    public static IReadOnlyList<ShardMove> ForNewNodes(ClusterCollection collection, IReadOnlyCollection<string> live, IReadOnlySet<string> joined)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(joined);
        var holding = collection.Map.Shards.SelectMany(s => s.Nodes.Concat(s.Learners)).ToHashSet(StringComparer.Ordinal);
        var fresh = live.Where(n => joined.Contains(n) && !holding.Contains(n)).ToHashSet(StringComparer.Ordinal);
        if (fresh.Count == 0 || collection.Replication.Factor > live.Count)
        {
            return [];
        }

        IReadOnlyList<ShardAssignment> target = ShardPlacement.Assign(collection.Name, collection.Map.Shards.Count, live, collection.Replication.Factor);
        var moves = new List<ShardMove>();
        foreach (ShardAssignment current in collection.Map.Shards)
        {
            IReadOnlyList<string> wanted = target[current.ShardId].Nodes;
            var leaving = new Queue<string>(current.Nodes.Where(n => !wanted.Contains(n)).OrderBy(n => n == current.Primary ? 1 : 0));
            foreach (string node in wanted.Where(fresh.Contains))
            {
                if (leaving.Count == 0)
                {
                    break;
                }

                moves.Add(new ShardMove(current.ShardId, leaving.Dequeue(), node));
            }
        }

        return moves;
    }

    /// <summary>
    /// The moves that replace copies on <paramref name="dead"/> nodes: each goes to the live node, not already holding
    /// that shard, with the fewest copies of the collection (ties by node id).
    /// </summary>
    public static IReadOnlyList<ShardMove> ForDeadNodes(ClusterCollection collection, IReadOnlyCollection<string> live, IReadOnlySet<string> dead)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(dead);
        var load = live.ToDictionary(n => n, n => collection.Map.Shards.Count(s => s.Nodes.Contains(n) || s.Learners.Contains(n)), StringComparer.Ordinal);
        var moves = new List<ShardMove>();
        foreach (ShardAssignment shard in collection.Map.Shards)
        {
            foreach (string gone in shard.Nodes.Where(dead.Contains))
            {
                string? to = load.Keys.Where(n => !shard.Nodes.Contains(n) && !shard.Learners.Contains(n) && !moves.Any(m => m.Shard == shard.ShardId && m.To == n))
                    .OrderBy(n => load[n]).ThenBy(n => n, StringComparer.Ordinal).FirstOrDefault();
                if (to is null)
                {
                    continue;
                }

                load[to]++;
                moves.Add(new ShardMove(shard.ShardId, gone, to));
            }
        }

        return moves;
    }
}
