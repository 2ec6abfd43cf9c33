using System.Diagnostics;
using Grpc.Core;
using VectorEngine.Api.V1;
using VectorEngine.Protocol.Mapping;
using VectorEngine.Sharding.Placement;
using VectorEngine.Sharding.Tests.Support;
using EngineCondition = VectorEngine.Filters.Condition;
using EngineFilter = VectorEngine.Filters.Filter;

namespace VectorEngine.Cluster.Tests;

/// <summary>Nodes and etcd killed with kill -9 under a live cluster; tenant-pinned routing seen in the nodes' metrics.</summary>
public sealed class ClusterFailureTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task With_a_node_killed_searches_answer_partially_writes_to_its_shards_fail_and_a_restart_clears_it()
    {
        await using ClusterHarness cluster = await ClusterHarness.StartAsync(3);
        await CreateAsync(cluster, "docs", 6, shardKey: null);
        var points = new Api.V1.Points.PointsClient(cluster.Channel(0));
        var collections = new Api.V1.Collections.CollectionsClient(cluster.Channel(0));
        using var typed = new Client.VectorEngineClient(cluster.Address(0));
        Client.RemoteCollection remote = typed.GetCollection("docs");
        await UpsertAsync(points, "docs", Enumerable.Range(0, 3_000).Select(i => MakePoint(i, "t" + (i % 10))));

        // Which shards the killed node held, from the shard map (the same function every node uses).
        ShardMap map = (await cluster.ShardMapAsync("docs")).Map;
        string victim = cluster.NodeId(2);
        uint[] lost = map.Shards.Where(s => s.Primary == victim).Select(s => (uint)s.ShardId).ToArray();
        Assert.Equal(2, lost.Length);
        cluster.Kill(2);

        // Reads keep answering inside their deadline, naming the missing shards (first while the dead node's lease is
        // still live, then after it expired).
        var clock = Stopwatch.StartNew();
        for (int round = 0; round < 2; round++)
        {
            var call = Stopwatch.StartNew();
            SearchResponse search = await points.SearchAsync(new SearchRequest(Vector(new Random(round)), 10).ToWire("docs"), deadline: DateTime.UtcNow.AddSeconds(3));
            Assert.True(call.Elapsed < TimeSpan.FromSeconds(3), $"search took {call.Elapsed}");
            Assert.Equal(lost, search.Partial.Order());
            Assert.Equal(10, search.Result.Count);
            CountResponse count = await points.CountAsync(new CountPoints { CollectionName = "docs" }, deadline: DateTime.UtcNow.AddSeconds(3));
            Assert.Equal(lost, count.Partial.Order());
            Assert.InRange((int)count.Count, 1, 2_999);
            GetCollectionInfoResponse info = await collections.GetAsync(new GetCollectionInfoRequest { CollectionName = "docs" }, deadline: DateTime.UtcNow.AddSeconds(3));
            Assert.Equal(lost, info.Partial.Order());
            Assert.InRange((int)info.Result.PointsCount, 1, 2_999);
            if (round == 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(6));
            }
        }

        // A read that requires every shard fails instead; the typed client's counts, which claim to be exact, do.
        RpcException all = await Assert.ThrowsAsync<RpcException>(() => points.SearchAsync(new SearchPoints { CollectionName = "docs", Vector = { Vector(new Random(1)) }, Limit = 5, RequireAll = true }).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, all.StatusCode);
        RpcException allInfo = await Assert.ThrowsAsync<RpcException>(() => collections.GetAsync(new GetCollectionInfoRequest { CollectionName = "docs", RequireAll = true }).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, allInfo.StatusCode);
        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => remote.GetInfoAsync())).StatusCode);
        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => remote.CountAsync())).StatusCode);

        // So do the typed client's searches and scrolls, whose results carry no partial flag (they returned 10 hits
        // without the lost shards' points before), streamed searches included; a raw streamed search names the shards.
        var probe = new SearchRequest(Vector(new Random(1)), 5);
        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => remote.SearchAsync(probe))).StatusCode);
        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => remote.SearchBatchAsync([probe, probe]))).StatusCode);
        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => remote.ScrollAsync(new ScrollRequest { Limit = 50 }))).StatusCode);
        await using (Client.SearchStream stream = remote.OpenSearchStream())
        {
            Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => stream.SearchAsync(probe))).StatusCode);
        }

        Assert.Equal(lost, (await StreamedSearchAsync(points, probe.ToWire("docs"))).Partial.Order());

        // A write to one of its shards fails with Unavailable, naming the shard; a write elsewhere succeeds.
        ulong onLost = Enumerable.Range(10_000, 1_000).Select(i => (ulong)i).First(id => lost.Contains((uint)map.ShardOf(StableHash.Of(new PointId(id)))));
        ulong onLive = Enumerable.Range(10_000, 1_000).Select(i => (ulong)i).First(id => !lost.Contains((uint)map.ShardOf(StableHash.Of(new PointId(id)))));
        RpcException write = await Assert.ThrowsAsync<RpcException>(() => UpsertAsync(points, "docs", [new Point(onLost, Vector(new Random(3)), null)]));
        Assert.Equal(StatusCode.Unavailable, write.StatusCode);
        Assert.Contains($"shard(s) {map.ShardOf(StableHash.Of(new PointId(onLost)))}", write.Status.Detail, StringComparison.Ordinal);
        Assert.Equal($"{map.ShardOf(StableHash.Of(new PointId(onLost)))}", write.Trailers.GetValue("failed-shards"));
        Assert.Null(write.Trailers.GetValue("applied-shards"));

        // A batch over a lost and a live shard: the live one's part is applied, and the trailers say which is which.
        RpcException mixed = await Assert.ThrowsAsync<RpcException>(() => UpsertAsync(points, "docs", [new Point(onLost, Vector(new Random(3)), null), new Point(onLive, Vector(new Random(4)), null)]));
        Assert.Equal($"{map.ShardOf(StableHash.Of(new PointId(onLive)))}", mixed.Trailers.GetValue("applied-shards"));
        Assert.Equal($"{map.ShardOf(StableHash.Of(new PointId(onLost)))}", mixed.Trailers.GetValue("failed-shards"));
        await UpsertAsync(points, "docs", [new Point(onLive, Vector(new Random(4)), null)]);

        // Back on the same directory and port: it rejoins and every shard answers again, with its points intact.
        await cluster.StartNodeAsync(2);
        await Eventually.Holds(() => NoPartial(points), Limit, "the partial flag clears after the restart");
        Assert.Equal(3_001UL, (await points.CountAsync(new CountPoints { CollectionName = "docs", RequireAll = true })).Count);
        Assert.Equal(3_001, (await remote.GetInfoAsync()).PointCount);
        Assert.Equal(3_001, await remote.CountAsync());
        Assert.Equal(5, (await remote.SearchAsync(probe)).Count);
        Assert.All(await remote.SearchBatchAsync([probe, probe]), hits => Assert.Equal(5, hits.Count));
        Assert.Equal(50, (await remote.ScrollAsync(new ScrollRequest { Limit = 50 })).Points.Count);
        await using (Client.SearchStream stream = remote.OpenSearchStream())
        {
            Assert.Equal(5, (await stream.SearchAsync(probe)).Count);
        }

        Assert.Empty((await StreamedSearchAsync(points, probe.ToWire("docs"))).Partial);

        // Hung rather than dead (SIGSTOP: connections open, no answer): a search with a 2 s deadline still answers in
        // time, its shards partial, instead of failing with DeadlineExceeded.
        cluster.Pause(2, stop: true);
        try
        {
            var hung = Stopwatch.StartNew();
            SearchResponse partial = await points.SearchAsync(new SearchRequest(Vector(new Random(8)), 10).ToWire("docs"), deadline: DateTime.UtcNow.AddSeconds(2));
            Assert.True(hung.Elapsed < TimeSpan.FromSeconds(2), $"took {hung.Elapsed}");
            Assert.Equal(lost, partial.Partial.Order());
        }
        finally
        {
            cluster.Pause(2, stop: false);
        }
        _ = clock;
    }

    [Fact]
    public async Task A_tenant_sits_on_one_shard_and_a_search_pinned_to_it_touches_one_node()
    {
        await using ClusterHarness cluster = await ClusterHarness.StartAsync(3);
        await CreateAsync(cluster, "jobs", 6, shardKey: "tenant");
        var points = new Api.V1.Points.PointsClient(cluster.Channel(0));
        await UpsertAsync(points, "jobs", Enumerable.Range(0, 2_000).Select(i => MakePoint(i, "tenant-" + (i % 7))));
        (ShardMap map, ulong incarnation) = await cluster.ShardMapAsync("jobs");

        // Every point of tenant-3 is on its one shard, and no other shard has any (asked of each node's shards directly).
        int home = map.ShardOf(StableHash.Of(PayloadValue.From("tenant-3")));
        var tenant = new EngineFilter { Must = { EngineCondition.Match("tenant", "tenant-3") } };
        for (int node = 0; node < cluster.Count; node++)
        {
            var peer = new Api.Cluster.V1.ShardPeer.ShardPeerClient(cluster.Channel(node));
            foreach (ShardAssignment shard in map.Shards.Where(s => s.Primary == cluster.NodeId(node)))
            {
                var request = new Api.Cluster.V1.ShardCountRequest { CollectionName = "jobs", Incarnation = incarnation, Shards = { (uint)shard.ShardId }, Filter = tenant.ToWire() };
                ulong count = (await peer.CountAsync(request)).Count;
                Assert.Equal(shard.ShardId == home ? 2_000UL / 7 + 1 : 0UL, count);
            }
        }

        // A search pinned by the shard key reaches only the node holding that shard; an unpinned one reaches all.
        int receiver = Enumerable.Range(0, cluster.Count).First(n => cluster.NodeId(n) != map.NodesOf(home)[0]);
        var client = new Api.V1.Points.PointsClient(cluster.Channel(receiver));
        double before = await PeerSearchesAsync(cluster);
        SearchResponse pinned = await client.SearchAsync(new SearchRequest(Vector(new Random(5)), 5) { Filter = tenant }.ToWire("jobs"));
        Assert.All(pinned.Result, h => Assert.Equal("tenant-3", h.Payload["tenant"].StringValue));
        Assert.Equal(1, await PeerSearchesAsync(cluster) - before);
        before = await PeerSearchesAsync(cluster);
        await client.SearchAsync(new SearchRequest(Vector(new Random(6)), 5).ToWire("jobs"));
        Assert.Equal(2, await PeerSearchesAsync(cluster) - before);
    }

    [Fact]
    public async Task A_killed_coordinator_is_replaced_within_10_s_and_an_etcd_restart_leaves_the_cluster_serving()
    {
        await using ClusterHarness cluster = await ClusterHarness.StartAsync(3);
        int coordinator = -1;
        await Eventually.Holds(() => (coordinator = Coordinators(cluster).SingleOrDefault(-1)) >= 0, Limit, "one coordinator");
        cluster.Kill(coordinator);
        int[] rest = Enumerable.Range(0, cluster.Count).Where(n => n != coordinator).ToArray();
        TimeSpan took = await Eventually.Holds(() => Coordinators(cluster, rest).Length == 1, TimeSpan.FromSeconds(10), "a new coordinator within 10 s");
        Assert.True(took < TimeSpan.FromSeconds(10));

        // etcd killed and restarted: the nodes keep serving, then create and use a new collection through etcd again.
        cluster.Etcd.Kill();
        await Task.Delay(TimeSpan.FromSeconds(2));
        cluster.Etcd.Start();
        await Eventually.Holds(() => Coordinators(cluster, rest).Length == 1, Limit, "a coordinator after etcd's restart");
        await CreateAsync(cluster, "after", 2, null, node: rest[0]);
        var points = new Api.V1.Points.PointsClient(cluster.Channel(rest[1]));
        await Eventually.Holds(() => TryUpsert(points), Limit, "writes through the other node");
        Assert.Equal(100UL, (await points.CountAsync(new CountPoints { CollectionName = "after", RequireAll = true })).Count);
    }

    [Fact]
    public async Task A_node_that_starts_before_etcd_waits_not_serving_and_joins_once_etcd_is_up()
    {
        await using ClusterHarness cluster = await ClusterHarness.StartAsync(1);
        cluster.Kill(0);
        cluster.Etcd.Kill();
        await cluster.StartNodeAsync(0, waitServing: false);
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.False(await cluster.IsServingAsync(0), "serving without its cluster");
        cluster.Etcd.Start();
        await cluster.WaitServingAsync(0);
        await CreateAsync(cluster, "late", 1, null);
        Assert.Equal(0UL, (await new Api.V1.Points.PointsClient(cluster.Channel(0)).CountAsync(new CountPoints { CollectionName = "late" })).Count);
    }

    private static bool TryUpsert(Api.V1.Points.PointsClient points)
    {
        try
        {
            UpsertAsync(points, "after", Enumerable.Range(0, 100).Select(i => MakePoint(i, "t"))).GetAwaiter().GetResult();
            return true;
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.NotFound)
        {
            return false;
        }
    }

    private static int[] Coordinators(ClusterHarness cluster, int[]? among = null) =>
        (among ?? Enumerable.Range(0, cluster.Count).ToArray())
            .Where(n => Metrics.Sum(cluster.MetricsAsync(n).GetAwaiter().GetResult(), "vectorengine_cluster_coordinator") == 1).ToArray();

    private static async Task<double> PeerSearchesAsync(ClusterHarness cluster)
    {
        double total = 0;
        for (int node = 0; node < cluster.Count; node++)
        {
            total += Metrics.Sum(await cluster.MetricsAsync(node), "vectorengine_grpc_requests_total", "ShardPeer/Search");
        }

        return total;
    }

    /// <summary>One search over Points/SearchStream, its raw answer.</summary>
    private static async Task<SearchStreamResponse> StreamedSearchAsync(Api.V1.Points.PointsClient points, SearchPoints search)
    {
        using AsyncDuplexStreamingCall<SearchPoints, SearchStreamResponse> call = points.SearchStream(deadline: DateTime.UtcNow.AddSeconds(10));
        await call.RequestStream.WriteAsync(search);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        return call.ResponseStream.Current;
    }

    private static bool NoPartial(Api.V1.Points.PointsClient points)
    {
        try
        {
            return points.Search(new SearchRequest(Vector(new Random(9)), 3).ToWire("docs"), deadline: DateTime.UtcNow.AddSeconds(3)).Partial.Count == 0;
        }
        catch (RpcException)
        {
            return false;
        }
    }

    private static async Task CreateAsync(ClusterHarness cluster, string name, uint shards, string? shardKey, int node = 0)
    {
        CreateCollection create = new CollectionOptions(8, DistanceMetric.L2).ToWire(name);
        create.ShardNumber = shards;

        // One copy per shard: these tests are about what a node's loss costs without replicas (ReplicationTests covers copies).
        create.ReplicationFactor = 1;
        if (shardKey is not null)
        {
            create.ShardKey = shardKey;
        }

        await new Api.V1.Collections.CollectionsClient(cluster.Channel(node)).CreateAsync(create, deadline: DateTime.UtcNow.AddSeconds(10));
    }

    private static async Task UpsertAsync(Api.V1.Points.PointsClient client, string collection, IEnumerable<Point> points)
    {
        foreach (Point[] chunk in points.Chunk(500))
        {
            var batch = new UpsertPoints { CollectionName = collection };
            batch.Points.AddRange(chunk.Select(p => p.ToWire()));
            await client.UpsertAsync(batch, deadline: DateTime.UtcNow.AddSeconds(30));
        }
    }

    private static Point MakePoint(int i, string tenant) => new((ulong)i, Vector(new Random(i)), new Payload { ["tenant"] = tenant });

    private static float[] Vector(Random random) => Enumerable.Range(0, 8).Select(_ => (float)random.NextDouble()).ToArray();
}
