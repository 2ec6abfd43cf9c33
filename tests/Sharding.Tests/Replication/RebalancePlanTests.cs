using FsCheck;
using FsCheck.Fluent;
using VectorEngine.Sharding.Coordination;
using VectorEngine.Sharding.Placement;
using VectorEngine.Sharding.Replication;

namespace VectorEngine.Sharding.Tests.Replication;

/// <summary>Which copies move when nodes join or stay gone: properties over shard counts, node counts and copies.</summary>
public sealed class RebalancePlanTests
{
    private static readonly Gen<(int Shards, int Nodes, int Copies, int Added)> Cases =
        from shards in Gen.Choose(1, 48)
        from nodes in Gen.Choose(1, 8)
        from copies in Gen.Choose(1, nodes)
        from added in Gen.Choose(1, 3)
        select (shards, nodes, copies, added);

    [Fact]
    public void Joining_nodes_receive_copies_only_from_nodes_the_new_placement_drops_and_every_shard_keeps_its_copies()
    {
        Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            string[] before = Nodes(c.Nodes);
            string[] after = Nodes(c.Nodes + c.Added);
            ClusterCollection collection = Collection(before, c.Shards, c.Copies);
            var joined = after.Except(before).ToHashSet();
            IReadOnlyList<ShardMove> moves = RebalancePlan.ForNewNodes(collection, after, joined);
            IReadOnlyList<ShardAssignment> target = ShardPlacement.Assign("docs", c.Shards, after, c.Copies);
            bool onlyOntoJoined = moves.All(m => joined.Contains(m.To) && collection.Map.Shards[m.Shard].Nodes.Contains(m.From) && !target[m.Shard].Nodes.Contains(m.From));
            var result = Apply(collection, moves);
            bool copiesKept = result.All(nodes => nodes.Count == c.Copies && nodes.Distinct().Count() == c.Copies);
            bool exactly = collection.Map.Shards.All(s => moves.Where(m => m.Shard == s.ShardId).Select(m => m.To).ToHashSet()
                .SetEquals(target[s.ShardId].Nodes.Where(joined.Contains).Except(s.Nodes)));
            return (onlyOntoJoined && copiesKept && exactly).Label($"{moves.Count} moves: onto joined {onlyOntoJoined}, copies kept {copiesKept}, exactly the placement's {exactly}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void Copies_of_gone_nodes_move_to_live_nodes_without_doubling_a_shard_on_one_node()
    {
        Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            string[] nodes = Nodes(c.Nodes + c.Added);
            ClusterCollection collection = Collection(nodes, c.Shards, c.Copies);
            var dead = nodes.Take(c.Added).ToHashSet();
            string[] live = nodes.Skip(c.Added).ToArray();
            IReadOnlyList<ShardMove> moves = RebalancePlan.ForDeadNodes(collection, live, dead);
            var result = Apply(collection, moves);
            bool distinct = result.All(s => s.Distinct().Count() == s.Count);
            bool replaced = result.All(s => s.Count(dead.Contains) == Math.Max(0, s.Count - live.Length));
            return (distinct && replaced && moves.All(m => dead.Contains(m.From) && live.Contains(m.To))).Label($"distinct {distinct}, replaced {replaced}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void Nothing_moves_without_a_joined_or_gone_node()
    {
        string[] nodes = Nodes(3);
        ClusterCollection collection = Collection(nodes, 6, 2);
        Assert.Empty(RebalancePlan.ForNewNodes(collection, nodes, new HashSet<string>()));
        Assert.Empty(RebalancePlan.ForDeadNodes(collection, nodes, new HashSet<string>()));
    }

    private static string[] Nodes(int count) => Enumerable.Range(1, count).Select(i => "node-" + i).ToArray();

    private static ClusterCollection Collection(string[] nodes, int shards, int copies) =>
        new(new CollectionOptions(4, DistanceMetric.L2), new ShardMap("docs", 1, ShardPlacement.Assign("docs", shards, nodes, copies)), 1, new ReplicationSettings(copies, (copies / 2) + 1));

    private static List<List<string>> Apply(ClusterCollection collection, IReadOnlyList<ShardMove> moves)
    {
        var result = collection.Map.Shards.Select(s => s.Nodes.ToList()).ToList();
        foreach (ShardMove move in moves)
        {
            List<string> nodes = result[move.Shard];
            nodes[nodes.IndexOf(move.From)] = move.To;
        }

        return result;
    }
}
