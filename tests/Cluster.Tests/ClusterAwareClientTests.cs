using VectorEngine.Client;
using VectorEngine.Sharding.Placement;
using EngineCondition = VectorEngine.Filters.Condition;
using EngineFilter = VectorEngine.Filters.Filter;

namespace VectorEngine.Cluster.Tests;

/// <summary>The typed client's cluster-aware routing: single-shard calls go straight to the node holding the shard.</summary>
public sealed class ClusterAwareClientTests
{
    [Fact]
    public async Task Single_shard_calls_skip_the_hop_and_a_new_map_version_is_picked_up()
    {
        await using ClusterHarness cluster = await ClusterHarness.StartAsync(3);
        using var plain = new VectorEngineClient(cluster.Address(0));
        using var aware = new VectorEngineClient(cluster.Address(0), new VectorEngineClientOptions { ClusterAware = true });
        RemoteCollection created = await plain.CreateCollectionAsync("jobs", new CollectionOptions(4, DistanceMetric.Cosine), new ShardingOptions(6, "tenant"));

        // A tenant whose shard is not on node 0, the node both clients were given.
        ShardMap map = (await cluster.ShardMapAsync("jobs")).Map;
        string tenant = Enumerable.Range(0, 100).Select(i => "tenant-" + i)
            .First(t => map.NodesOf(map.ShardOf(StableHash.Of(PayloadValue.From(t))))[0] != cluster.NodeId(0));
        Point[] points = Enumerable.Range(0, 20).Select(i => new Point((ulong)i, [1, i, 2, 3], new Payload { ["tenant"] = tenant })).ToArray();
        var pinned = new SearchRequest([1, 5, 2, 3], 5) { Filter = new EngineFilter { Must = { EngineCondition.Match("tenant", tenant) } } };

        // Through node 0 without routing: node 0 forwards the upsert and the search to the shard's node (one search first,
        // outside the count, so connections and code are warm and no read is slow enough to be hedged).
        Assert.Empty(await created.SearchAsync(pinned));
        double forwards = await PeerCallsAsync(cluster);
        await created.UpsertAsync(points);
        Assert.Equal(5, (await created.SearchAsync(pinned)).Count);
        Assert.Equal(2, await PeerCallsAsync(cluster) - forwards);

        // Cluster-aware: both go straight to the shard's node, which holds the shard itself: no node-to-node call.
        RemoteCollection direct = aware.GetCollection("jobs");
        forwards = await PeerCallsAsync(cluster);
        await direct.UpsertAsync(points);
        IReadOnlyList<ScoredPoint> hits = await direct.SearchAsync(pinned);
        Assert.Equal(5, hits.Count);
        Assert.All(hits, h => Assert.Equal(tenant, h.Payload!["tenant"].AsString));
        Assert.Equal(0, await PeerCallsAsync(cluster) - forwards);

        // A batch over several shards still goes through node 0, which splits it.
        Point[] mixed = Enumerable.Range(100, 30).Select(i => new Point((ulong)i, [1, i, 2, 3], new Payload { ["tenant"] = "tenant-" + (i % 9) })).ToArray();
        Assert.Equal(30, await direct.UpsertAsync(mixed));
        Assert.Equal(50, await direct.CountAsync());

        // The collection dropped and made again with another shard count: a call with the old map still lands on a node
        // that routes it right, its answer carries the new version, and the client reads the maps again.
        await plain.DropCollectionAsync("jobs");
        RemoteCollection again = await plain.CreateCollectionAsync("jobs", new CollectionOptions(4, DistanceMetric.Cosine), new ShardingOptions(4, "tenant"));
        await direct.UpsertAsync(points);
        Assert.Equal(20, await again.CountAsync());
        forwards = await PeerCallsAsync(cluster);
        Assert.Equal(5, (await direct.SearchAsync(pinned)).Count);
        Assert.Equal(0, await PeerCallsAsync(cluster) - forwards);
    }

    private static async Task<double> PeerCallsAsync(ClusterHarness cluster)
    {
        double total = 0;
        for (int node = 0; node < cluster.Count; node++)
        {
            string text = await cluster.MetricsAsync(node);
            total += Metrics.Sum(text, "vectorengine_grpc_requests_total", "ShardPeer/Upsert") + Metrics.Sum(text, "vectorengine_grpc_requests_total", "ShardPeer/Search");
        }

        return total;
    }
}
