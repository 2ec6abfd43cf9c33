using Microsoft.Extensions.Logging.Abstractions;
using VectorEngine.Sharding.Coordination;
using VectorEngine.Sharding.Tests.Support;

namespace VectorEngine.Sharding.Tests;

/// <summary>Membership, the coordinator election and the collection catalog against a real etcd.</summary>
public sealed class EtcdCoordinationTests : IClassFixture<EtcdCoordinationTests.SharedEtcd>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);
    private readonly SharedEtcd _etcd;

    public EtcdCoordinationTests(SharedEtcd etcd) => _etcd = etcd;

    [Fact]
    public async Task Nodes_see_each_other_join_and_a_node_that_leaves_drops_out_at_once()
    {
        string cluster = Cluster();
        await using ClusterNode a = await Join(cluster, "node-1");
        await using ClusterNode b = await Join(cluster, "node-2");
        ClusterNode c = await Join(cluster, "node-3");
        await Eventually.Holds(() => new[] { a, b, c }.All(n => n.Members.Count == 3), Limit, "every node sees 3 members");
        Assert.Equal("127.0.0.1:7003", a.Members["node-3"].Address);

        await c.DisposeAsync();
        TimeSpan gone = await Eventually.Holds(() => a.Members.Count == 2 && b.Members.Count == 2, Limit, "node-3 leaves the live set");
        Assert.True(gone < TimeSpan.FromSeconds(2), $"a clean leave revokes the lease: took {gone}");
    }

    [Fact]
    public async Task A_node_id_held_by_another_live_process_is_refused_and_a_restart_on_the_same_directory_takes_it_back()
    {
        string cluster = Cluster();
        await using ClusterNode first = await Join(cluster, "node-1", instance: "disk-A");
        NodeIdTakenException taken = await Assert.ThrowsAsync<NodeIdTakenException>(() => Join(cluster, "node-1", instance: "disk-B"));
        Assert.Contains("node-1", taken.Message, StringComparison.Ordinal);
        Assert.Equal("127.0.0.1:7001", taken.Holder.Address);
        Assert.Single(first.Members);

        // The same data directory coming back (a restart before the old lease expired) takes the id over.
        await first.AbandonAsync();
        await using ClusterNode again = await Join(cluster, "node-1", instance: "disk-A", port: 7101);
        await Eventually.Holds(() => again.Members.TryGetValue("node-1", out ClusterMember? m) && m.Address == "127.0.0.1:7101", Limit, "the restarted node's address is registered");
    }

    [Fact]
    public async Task One_coordinator_at_a_time_and_a_new_one_within_10_s_when_it_dies()
    {
        string cluster = Cluster();
        ClusterNode[] nodes = [await Join(cluster, "node-1"), await Join(cluster, "node-2"), await Join(cluster, "node-3")];
        try
        {
            await Eventually.Holds(() => nodes.Count(n => n.IsCoordinator) == 1, Limit, "one coordinator");
            ClusterNode coordinator = nodes.Single(n => n.IsCoordinator);
            Assert.Equal(coordinator.Self.NodeId, await nodes[0].CoordinatorAsync(CancellationToken.None));

            // Killed (its lease stops being renewed, nothing revoked): the next campaigner takes over after the TTL.
            await coordinator.AbandonAsync();
            ClusterNode[] rest = nodes.Where(n => n != coordinator).ToArray();
            TimeSpan took = await Eventually.Holds(() => rest.Count(n => n.IsCoordinator) == 1, TimeSpan.FromSeconds(10), "a new coordinator");
            Assert.True(took > TimeSpan.FromSeconds(2), $"the office passed only when the dead node's lease expired (took {took})");
            string next = rest.Single(n => n.IsCoordinator).Self.NodeId;
            Assert.Equal(next, await rest[0].CoordinatorAsync(CancellationToken.None));
            await Eventually.Holds(() => rest.All(n => n.Members.Count == 2), Limit, "the dead node leaves the live set");
        }
        finally
        {
            foreach (ClusterNode node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_collection_created_concurrently_from_two_nodes_is_created_once()
    {
        string cluster = Cluster();
        await using ClusterNode a = await Join(cluster, "node-1");
        await using ClusterNode b = await Join(cluster, "node-2");
        await using ClusterNode c = await Join(cluster, "node-3");
        await Eventually.Holds(() => a.Members.Count == 3 && b.Members.Count == 3, Limit, "3 members");

        var options = new CollectionOptions(8, DistanceMetric.Cosine);
        Task<ClusterCollection>[] creates = [a.CreateCollectionAsync("jobs", options, 6, "tenant", default), b.CreateCollectionAsync("jobs", options, 6, "tenant", default)];
        Exception? failure = await Record.ExceptionAsync(() => Task.WhenAll(creates));
        Assert.IsType<CollectionAlreadyExistsException>(failure);
        ClusterCollection created = await creates.Single(t => t.IsCompletedSuccessfully);

        await Eventually.Holds(() => new[] { a, b, c }.All(n => n.Collections.TryGetValue("jobs", out ClusterCollection? j) && j.Map.Version == created.Map.Version), Limit, "every node reads the stored map");
        ClusterCollection seen = c.Collections["jobs"];
        Assert.Equal("tenant", seen.Map.ShardKey);
        Assert.Equal(6, seen.Map.Shards.Count);
        Assert.All(seen.Map.Shards.GroupBy(s => s.Primary), g => Assert.Equal(2, g.Count()));
        Assert.Equal(DistanceMetric.Cosine, seen.Options.Metric);
        Assert.Equal(8, seen.Options.Dimension);

        await Assert.ThrowsAsync<VectorEngineArgumentException>(() => a.CreateCollectionAsync("bad", options, 0, null, default));
        await Assert.ThrowsAsync<VectorEngineArgumentException>(() => a.CreateCollectionAsync("bad", options, 1025, null, default));
        Assert.True(await b.DropCollectionAsync("jobs", default));
        await Eventually.Holds(() => new[] { a, b, c }.All(n => n.Collections.Count == 0), Limit, "the drop reaches every node");
        Assert.False(a.Collections.ContainsKey("bad"));
    }

    [Fact]
    public async Task After_etcd_restarts_nodes_are_registered_again_and_follow_changes()
    {
        using var etcd = new EtcdProcess();
        string cluster = Cluster();
        await using ClusterNode a = await Join(cluster, "node-1", url: etcd.Url);
        await using ClusterNode b = await Join(cluster, "node-2", url: etcd.Url);
        await Eventually.Holds(() => a.Members.Count == 2 && b.Members.Count == 2, Limit, "2 members");

        etcd.Kill();
        await Task.Delay(TimeSpan.FromSeconds(1));
        etcd.Start();

        await Eventually.Holds(() => a.Members.Count == 2 && b.Members.Count == 2, TimeSpan.FromSeconds(20), "both nodes registered after the restart");
        await Eventually.Holds(() => a.IsCoordinator ^ b.IsCoordinator, TimeSpan.FromSeconds(20), "one coordinator after the restart");
        await a.CreateCollectionAsync("after-restart", new CollectionOptions(4, DistanceMetric.L2), 2, null, default);
        await Eventually.Holds(() => b.Collections.ContainsKey("after-restart"), Limit, "b's watch resumed and sees the new collection");
    }

    [Fact]
    public async Task A_node_whose_lease_expired_registers_again_under_a_new_one()
    {
        string cluster = Cluster();
        await using ClusterNode a = await Join(cluster, "node-1");
        await using ClusterNode b = await Join(cluster, "node-2");
        await Eventually.Holds(() => a.Members.Count == 2, Limit, "2 members");
        long lease = b.LeaseId;

        // What etcd does to a node cut off past its TTL: the lease and everything under it goes.
        using (var etcd = new dotnet_etcd.EtcdClient(_etcd.Process.Url))
        {
            await etcd.LeaseRevokeAsync(new Etcdserverpb.LeaseRevokeRequest { ID = lease });
        }

        await Eventually.Holds(() => b.LeaseId != 0 && b.LeaseId != lease, Limit, "b takes a new lease");
        await Eventually.Holds(() => a.Members.Count == 2 && b.Members.ContainsKey("node-2"), Limit, "b is in the live set again");
        await Eventually.Holds(() => a.IsCoordinator ^ b.IsCoordinator, Limit, "one coordinator");
    }

    private Task<ClusterNode> Join(string cluster, string nodeId, string? instance = null, int? port = null, string? url = null)
    {
        var options = new ClusterOptions
        {
            Etcd = url ?? _etcd.Process.Url,
            NodeId = nodeId,
            Advertise = $"127.0.0.1:{port ?? 7000 + int.Parse(nodeId[5..])}",
            ClusterName = cluster,
        };
        return ClusterNode.JoinAsync(options, instance ?? nodeId + "-disk", NullLogger.Instance, CancellationToken.None);
    }

    private static string Cluster() => "t" + Guid.NewGuid().ToString("N")[..12];

    public sealed class SharedEtcd : IDisposable
    {
        public EtcdProcess Process { get; } = new();

        public void Dispose() => Process.Dispose();
    }
}
