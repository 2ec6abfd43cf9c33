using System.Diagnostics;
using Grpc.Core;
using VectorEngine.Api.V1;
using VectorEngine.Protocol.Mapping;
using VectorEngine.Sharding.Placement;
using VectorEngine.Sharding.Tests.Support;
using Xunit.Abstractions;

namespace VectorEngine.Cluster.Tests;

/// <summary>Rebalancing: a node joining under write load gets its share of copies, built while reads and writes go on.</summary>
public sealed class RebalancingTests(ITestOutputHelper output)
{
    private const int Dimension = 8;

    [Fact]
    public async Task A_fourth_node_under_write_load_takes_only_its_copies_and_nothing_acknowledged_is_lost()
    {
        await using ClusterHarness cluster = await ClusterHarness.StartAsync(4, running: 3);
        CreateCollection create = new CollectionOptions(Dimension, DistanceMetric.L2).ToWire("moving");
        create.ShardNumber = 6;
        create.ReplicationFactor = 2;
        await new Api.V1.Collections.CollectionsClient(cluster.Channel(0)).CreateAsync(create, deadline: DateTime.UtcNow.AddSeconds(10));
        var points = new Points.PointsClient(cluster.Channel(0));
        var random = new Random(11);
        for (int batch = 0; batch < 4; batch++)
        {
            var upsert = new UpsertPoints { CollectionName = "moving" };
            for (int i = 0; i < 500; i++)
            {
                upsert.Points.Add(Make((ulong)(batch * 500 + i), random));
            }

            await ClusterChecks.UpsertUntilAcknowledgedAsync(points, upsert);
        }

        ShardMap before = (await cluster.ShardMapAsync("moving")).Map;

        // One writer (ids from 100,000, retried until acknowledged) and one reader (every id once) run through the move.
        var acknowledged = new HashSet<ulong>(Enumerable.Range(0, 2_000).Select(i => (ulong)i));
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        Task writer = Task.Run(async () =>
        {
            var client = new Points.PointsClient(cluster.Channel(1));
            var r = new Random(12);
            for (ulong id = 100_000; !stop.IsCancellationRequested && id < 200_000; id++)
            {
                for (int tries = 0; tries < 100; tries++)
                {
                    try
                    {
                        await client.UpsertAsync(new UpsertPoints { CollectionName = "moving", Points = { Make(id, r) } }, deadline: DateTime.UtcNow.AddSeconds(5));
                        lock (acknowledged)
                        {
                            acknowledged.Add(id);
                        }

                        break;
                    }
                    catch (RpcException) when (!stop.IsCancellationRequested)
                    {
                        await Task.Delay(50);
                    }
                }
            }
        });
        // Reads may be served by a replica a moment behind its primary's last acknowledged write (read consistency
        // "any"), so each read is checked against the writes acknowledged before the previous read began.
        int reads = 0;
        Task reader = Task.Run(async () =>
        {
            ulong[] settled = [];
            while (!stop.IsCancellationRequested)
            {
                ulong[] now;
                lock (acknowledged)
                {
                    now = [.. acknowledged];
                }

                List<ulong> seen;
                try
                {
                    seen = await ClusterChecks.IdsInPagesAsync(new Points.PointsClient(cluster.Channel(2)), "moving", 2_000);
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
                {
                    // A shard between copies answers "retry": this read is skipped, not counted (the loop ends with the move).
                    await Task.Delay(100);
                    continue;
                }

                Assert.Equal(seen.Count, seen.Distinct().Count());
                Assert.Empty(settled.Except(seen));
                settled = now;
                reads++;
            }
        });

        await Task.Delay(2_000);
        await cluster.StartNodeAsync(3);
        string newcomer = cluster.NodeId(3);
        await Eventually.Holds(() =>
        {
            ShardMap now = cluster.ShardMapAsync("moving").GetAwaiter().GetResult().Map;
            return now.Shards.Count(s => s.Nodes.Contains(newcomer)) >= 2;
        }, TimeSpan.FromSeconds(90), "the new node holds its share of copies");
        await Task.Delay(1_000);
        await stop.CancelAsync();
        await writer;
        await reader;

        // Only copies going to the new node moved; each shard still has two copies.
        (ShardMap after, ulong incarnation) = await cluster.ShardMapAsync("moving");
        int moved = 0;
        foreach (ShardAssignment shard in after.Shards)
        {
            var added = shard.Nodes.Except(before.Shards[shard.ShardId].Nodes).ToArray();
            Assert.True(added.Length == 0 || (added.Length == 1 && added[0] == newcomer), $"shard {shard.ShardId}: {string.Join(",", before.Shards[shard.ShardId].Nodes)} -> {string.Join(",", shard.Nodes)}");
            Assert.Equal(2, shard.Nodes.Count);
            moved += added.Length;
        }

        output.WriteLine($"{moved} copies moved to {newcomer} in {clock.Elapsed.TotalSeconds:F1} s; {acknowledged.Count - 2_000} writes and {reads} full reads during the move");
        Assert.InRange(moved, 2, 4);
        Assert.True(reads > 0, "reads ran during the move");

        HashSet<ulong>? present = null;
        await Eventually.Holds(() => (present = ClusterChecks.AllIdsOnceServing(points, "moving").GetAwaiter().GetResult()) is not null,
            TimeSpan.FromSeconds(30), "every shard serves reads after the move");
        Assert.Empty(acknowledged.Except(present!));
        await Eventually.Holds(() => after.Shards.All(s => ClusterChecks.CopiesEqual(cluster, after, incarnation, "moving", s.ShardId)), TimeSpan.FromSeconds(30), "every shard's copies equal");

        // The moved-from nodes dropped their old copies: 12 copies over 4 nodes.
        await Eventually.Holds(() => Enumerable.Range(0, 4).Sum(n => CopiesOn(cluster, n)) == 12, TimeSpan.FromSeconds(30), "old copies dropped");
    }

    [Fact]
    public async Task MoveShard_moves_a_primary_copy_and_refuses_bad_requests()
    {
        await using ClusterHarness cluster = await ClusterHarness.StartAsync(3);
        CreateCollection create = new CollectionOptions(Dimension, DistanceMetric.L2).ToWire("manual");
        create.ShardNumber = 1;
        create.ReplicationFactor = 2;
        await new Api.V1.Collections.CollectionsClient(cluster.Channel(0)).CreateAsync(create, deadline: DateTime.UtcNow.AddSeconds(10));
        var points = new Points.PointsClient(cluster.Channel(0));
        var random = new Random(3);
        var upsert = new UpsertPoints { CollectionName = "manual" };
        for (int i = 0; i < 300; i++)
        {
            upsert.Points.Add(Make((ulong)i, random));
        }

        await ClusterChecks.UpsertUntilAcknowledgedAsync(points, upsert);
        ShardAssignment shard = (await cluster.ShardMapAsync("manual")).Map.Shards[0];
        string spare = Enumerable.Range(0, 3).Select(cluster.NodeId).Single(n => !shard.Nodes.Contains(n));
        var admin = new Api.Cluster.V1.ClusterAdmin.ClusterAdminClient(cluster.Channel(0));

        RpcException bad = await Assert.ThrowsAsync<RpcException>(() => admin.MoveShardAsync(new Api.Cluster.V1.MoveShardRequest { CollectionName = "manual", Shard = 0, FromNode = spare, ToNode = shard.Primary }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        RpcException missing = await Assert.ThrowsAsync<RpcException>(() => admin.MoveShardAsync(new Api.Cluster.V1.MoveShardRequest { CollectionName = "nope", Shard = 0, FromNode = shard.Primary, ToNode = spare }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        RpcException outOfRange = await Assert.ThrowsAsync<RpcException>(() => admin.MoveShardAsync(new Api.Cluster.V1.MoveShardRequest { CollectionName = "manual", Shard = 7, FromNode = shard.Primary, ToNode = spare }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, outOfRange.StatusCode);

        Api.Cluster.V1.MoveShardReply reply = await admin.MoveShardAsync(new Api.Cluster.V1.MoveShardRequest { CollectionName = "manual", Shard = 0, FromNode = shard.Primary, ToNode = spare }, deadline: DateTime.UtcNow.AddSeconds(60));
        Assert.Equal(spare, reply.NodeIds[0]);
        Assert.DoesNotContain(shard.Primary, reply.NodeIds);
        Assert.True(reply.Epoch > (ulong)shard.Epoch);

        // Writes and reads go on at the new primary; nothing was lost.
        await points.UpsertAsync(new UpsertPoints { CollectionName = "manual", Points = { Make(1_000, random) } }, deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.Equal(301UL, (await points.CountAsync(new CountPoints { CollectionName = "manual", RequireAll = true })).Count);
        (ShardMap map, ulong incarnation) = await cluster.ShardMapAsync("manual");
        await Eventually.Holds(() => ClusterChecks.CopiesEqual(cluster, map, incarnation, "manual", 0), TimeSpan.FromSeconds(30), "both copies equal");
        int old = cluster.IndexOf(shard.Primary);
        await Eventually.Holds(() => CopiesOn(cluster, old) == 0, TimeSpan.FromSeconds(30), $"the old primary dropped its copy: {cluster.Output(old)}");

        // And it stays dropped: rebalancing moves copies only onto nodes that joined, not back onto one an operator emptied.
        await Task.Delay(3_000);
        Assert.Equal(0, CopiesOn(cluster, old));
    }

    [Fact]
    public async Task A_node_gone_longer_than_ReplaceDeadAfter_has_its_copies_recreated_on_the_others()
    {
        await using ClusterHarness cluster = await ClusterHarness.StartAsync(3, null, "--Cluster:Replication:ReplaceDeadAfter=00:00:03");
        CreateCollection create = new CollectionOptions(Dimension, DistanceMetric.L2).ToWire("orphaned");
        create.ShardNumber = 3;
        create.ReplicationFactor = 2;
        await new Api.V1.Collections.CollectionsClient(cluster.Channel(0)).CreateAsync(create, deadline: DateTime.UtcNow.AddSeconds(10));
        var points = new Points.PointsClient(cluster.Channel(0));
        var random = new Random(7);
        var upsert = new UpsertPoints { CollectionName = "orphaned" };
        for (int i = 0; i < 600; i++)
        {
            upsert.Points.Add(Make((ulong)i, random));
        }

        await ClusterChecks.UpsertUntilAcknowledgedAsync(points, upsert);
        string gone = cluster.NodeId(2);
        Assert.Contains((await cluster.ShardMapAsync("orphaned")).Map.Shards, s => s.Nodes.Contains(gone));
        cluster.Kill(2);

        // Its lease expires (5 s), its primaries are promoted elsewhere, and 3 s later its copies are rebuilt on the others.
        await Eventually.Holds(() => cluster.ShardMapAsync("orphaned").GetAwaiter().GetResult().Map.Shards.All(s => !s.Nodes.Contains(gone) && s.Nodes.Count == 2),
            TimeSpan.FromSeconds(60), "every shard has two live copies again");
        (ShardMap map, ulong incarnation) = await cluster.ShardMapAsync("orphaned");
        await Eventually.Holds(() => map.Shards.All(s => ClusterChecks.CopiesEqual(cluster, map, incarnation, "orphaned", s.ShardId)), TimeSpan.FromSeconds(30), "copies equal");

        // With two copies again, every shard takes writes (write consistency 2) and nothing was lost.
        await points.UpsertAsync(new UpsertPoints { CollectionName = "orphaned", Points = { Enumerable.Range(1_000, 30).Select(i => Make((ulong)i, random)) } }, deadline: DateTime.UtcNow.AddSeconds(20));
        Assert.Equal(630UL, (await points.CountAsync(new CountPoints { CollectionName = "orphaned", RequireAll = true })).Count);
    }

    private static int CopiesOn(ClusterHarness cluster, int node)
    {
        string metrics = cluster.MetricsAsync(node).GetAwaiter().GetResult();
        return metrics.Split('\n').Count(l => l.StartsWith("vectorengine_collection_points{collection=\"", StringComparison.Ordinal) && l.Contains("--", StringComparison.Ordinal));
    }

    private static PointStruct Make(ulong id, Random random) => new Point(id, Enumerable.Range(0, Dimension).Select(_ => (float)random.NextDouble()).ToArray(), null).ToWire();
}
