using FsCheck;
using FsCheck.Fluent;
using VectorEngine.Sharding.Placement;

namespace VectorEngine.Sharding.Tests;

/// <summary>Shards onto nodes (bounded loads) and points onto shards (by id or by a shard-key value).</summary>
public class PlacementTests
{
    [Fact]
    public void Every_shard_gets_distinct_live_nodes_and_no_node_more_than_its_bound()
    {
        Gen<(int Shards, int Nodes, int Copies, string Name)> cases =
            from shards in Gen.Choose(1, 64)
            from nodes in Gen.Choose(1, 10)
            from copies in Gen.Choose(1, nodes)
            from name in Gen.Elements("docs", "jobs", "resumes", "t")
            select (shards, nodes, copies, name);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            string[] nodes = Enumerable.Range(1, c.Nodes).Select(i => "node-" + i).ToArray();
            IReadOnlyList<ShardAssignment> placed = ShardPlacement.Assign(c.Name, c.Shards, nodes, c.Copies);
            IReadOnlyList<ShardAssignment> again = ShardPlacement.Assign(c.Name, c.Shards, nodes.Reverse().ToArray(), c.Copies);
            int bound = (c.Shards * c.Copies + c.Nodes - 1) / c.Nodes;
            var load = placed.SelectMany(s => s.Nodes).GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count());
            bool shape = placed.Select((s, i) => s.ShardId == i && s.Nodes.Count == c.Copies && s.Nodes.Distinct().Count() == c.Copies && s.Nodes.All(nodes.Contains)).All(x => x);
            bool same = placed.Zip(again).All(p => p.First.Nodes.SequenceEqual(p.Second.Nodes));
            bool bounded = c.Copies > 1 || load.Values.All(l => l <= bound);
            return (shape && same && bounded).Label($"shape {shape}, order-independent {same}, loads [{string.Join(",", load.Values)}] bound {bound}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }

    [Fact]
    public void Six_shards_on_three_nodes_sit_two_per_node()
    {
        IReadOnlyList<ShardAssignment> placed = ShardPlacement.Assign("points", 6, ["node-1", "node-2", "node-3"]);
        Assert.All(placed.GroupBy(s => s.Primary), g => Assert.Equal(2, g.Count()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1025)]
    public void A_shard_number_out_of_range_is_refused(int shards)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardPlacement.Assign("c", shards, ["node-1"]));
    }

    [Fact]
    public void Points_spread_over_every_shard_and_each_id_has_one_shard()
    {
        var map = new ShardMap("c", 1, ShardPlacement.Assign("c", 6, ["a", "b", "c"]));
        var counts = new int[6];
        for (ulong id = 0; id < 30_000; id++)
        {
            int shard = map.ShardOf(id, null);
            Assert.Equal(shard, map.ShardOf(id, null));
            counts[shard]++;
        }

        // 256 virtual nodes per shard: each share within ~6% of 1/6 (1σ); ±25% leaves no room for a flaky draw.
        Assert.All(counts, c => Assert.InRange(c, 3_750, 6_250));
    }

    [Fact]
    public void A_tenant_shard_key_keeps_each_tenant_on_one_shard()
    {
        var map = new ShardMap("jobs", 1, ShardPlacement.Assign("jobs", 8, ["a", "b"]), shardKey: "tenant");
        for (int tenant = 0; tenant < 50; tenant++)
        {
            int[] shards = Enumerable.Range(0, 40)
                .Select(i => map.ShardOf(new PointId((ulong)(tenant * 1000 + i)), new Payload { ["tenant"] = "t" + tenant, ["i"] = i }))
                .Distinct().ToArray();
            Assert.Single(shards);
            Assert.Equal(shards[0], map.ShardOf(StableHash.Of(PayloadValue.From("t" + tenant))));
        }

        // Integer tenant ids route too, and differently from the string of the same digits.
        Assert.Equal(map.ShardOf(StableHash.Of(PayloadValue.From(42L))), map.ShardOf(1UL, new Payload { ["tenant"] = 42L }));
        Assert.NotEqual(StableHash.Of(PayloadValue.From(42L)), StableHash.Of(PayloadValue.From("42")));
    }

    [Fact]
    public void A_point_without_the_shard_key_is_refused_naming_the_field()
    {
        var map = new ShardMap("jobs", 1, ShardPlacement.Assign("jobs", 4, ["a"]), shardKey: "tenant");
        MissingShardKeyException missing = Assert.Throws<MissingShardKeyException>(() => map.ShardOf(7UL, new Payload { ["other"] = 1L }));
        Assert.Equal("tenant", missing.Field);
        Assert.Contains("'tenant'", missing.Message, StringComparison.Ordinal);
        Assert.Throws<MissingShardKeyException>(() => map.ShardOf(7UL, null));
        Assert.Throws<MissingShardKeyException>(() => map.ShardOf(7UL, new Payload { ["tenant"] = PayloadValue.Null }));
        Assert.Throws<ArgumentException>(() => map.ShardOf(7UL, new Payload { ["tenant"] = 1.5 }));
    }

    [Fact]
    public void Hashes_are_pinned_so_a_change_that_would_reroute_stored_points_fails_here()
    {
        // Every node and client must agree on these forever: changing them moves data between shards.
        Assert.Equal(StableHashGolden.Number1, StableHash.Of(new PointId(1UL)));
        Assert.Equal(StableHashGolden.StringAbc, StableHash.Of(new PointId("abc")));
        Assert.Equal(StableHashGolden.Uuid, StableHash.Of(new PointId(Guid.Parse("5f2b9a3c-1d4e-4c6b-9a7f-0e8d2c1b3a49"))));
        Assert.Equal(StableHashGolden.Tenant, StableHash.Of(PayloadValue.From("tenant-7")));
        Assert.NotEqual(StableHash.Of(new PointId(1UL)), StableHash.Of(new PointId("1")));
    }
}
