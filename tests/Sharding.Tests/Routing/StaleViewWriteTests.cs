using Microsoft.Extensions.Logging.Abstractions;
using VectorEngine.Api.Cluster.V1;
using VectorEngine.Filters;
using VectorEngine.Sharding.Coordination;
using VectorEngine.Sharding.Placement;
using VectorEngine.Sharding.Replication;
using VectorEngine.Sharding.Routing;
using VectorEngine.Sharding.Tests.Support;

namespace VectorEngine.Sharding.Tests.Routing;

/// <summary>
/// A node whose view of the collections lags etcd (its watch held back, as a loaded machine's is) while another node
/// drops the collection and creates it again: its writes must land in the new incarnation, or fail, and never be
/// acknowledged into the dropped one's copy here, which its removal would then lose. Real etcd, a real database and
/// replica; the node's calls to itself go straight to its shards, as the server's do.
/// </summary>
public sealed class StaleViewWriteTests : IClassFixture<EtcdCoordinationTests.SharedEtcd>, IAsyncLifetime
{
    private readonly EtcdCoordinationTests.SharedEtcd _etcd;
    private readonly string _directory = Directory.CreateTempSubdirectory("vectorengine-stale-view-").FullName;
    private readonly string _cluster = "t" + Guid.NewGuid().ToString("N")[..12];
    private ClusterNode _node = null!;
    private VectorDatabase _database = null!;
    private LocalShards _shards = null!;
    private ShardRouter _router = null!;
    private CollectionCatalog _otherNode = null!;
    private dotnet_etcd.EtcdClient _etcdClient = null!;

    public StaleViewWriteTests(EtcdCoordinationTests.SharedEtcd etcd) => _etcd = etcd;

    public async Task InitializeAsync()
    {
        var options = new ClusterOptions { Etcd = _etcd.Process.Url, NodeId = "node-1", Advertise = "127.0.0.1:7001", ClusterName = _cluster };
        _node = await ClusterNode.JoinAsync(options, "node-1-disk", NullLogger.Instance, CancellationToken.None);
        _database = VectorDatabase.Open(_directory);
        _shards = new LocalShards(_database, _node, new NoPeers(), new ReplicationOptions(), NullLogger.Instance);
        _router = new ShardRouter(_node, new ToSelf(_shards), NullLogger.Instance);
        _etcdClient = new dotnet_etcd.EtcdClient(_etcd.Process.Url);
        _otherNode = new CollectionCatalog(_etcdClient.GetConnection().KVClient, new EtcdKeys(_cluster));
    }

    public async Task DisposeAsync()
    {
        await _shards.DisposeAsync();
        await _node.DisposeAsync();
        _database.Dispose();
        _etcdClient.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_write_routed_with_a_dropped_incarnation_lands_in_the_new_one()
    {
        ClusterCollection first = await CreateAsync();
        Assert.Equal(3, await _router.UpsertAsync("docs", Points(1, 3), default));

        ClusterCollection second;
        using (_node.HoldCollectionView())
        {
            // Another node drops the name and creates it again; this node still routes with the first incarnation,
            // whose copy here is open and would take the write.
            Assert.True(await _otherNode.DeleteAsync("docs", default));
            second = await _otherNode.CreateAsync(Definition(first), default);
            Assert.Equal(first.Incarnation, _node.Collections["docs"].Incarnation);

            Assert.Equal(5, await _router.UpsertAsync("docs", Points(10, 5), default));
            Assert.Equal(second.Incarnation, _node.Collections["docs"].Incarnation);
        }

        await _shards.ReconcileAsync();
        Assert.Equal(5, (await _router.CountAsync("docs", null, requireAll: true, CancellationToken.None)).Value);
        Assert.Equal(2, await _router.DeleteAsync("docs", [new PointId(10), new PointId(11)], null, default));
        Assert.Equal(3, (await _router.CountAsync("docs", null, requireAll: true, CancellationToken.None)).Value);
    }

    [Fact]
    public async Task A_write_routed_with_a_dropped_collection_fails_not_found()
    {
        await CreateAsync();
        Assert.Equal(3, await _router.UpsertAsync("docs", Points(1, 3), default));
        using (_node.HoldCollectionView())
        {
            Assert.True(await _otherNode.DeleteAsync("docs", default));
            await Assert.ThrowsAsync<CollectionNotFoundException>(() => _router.UpsertAsync("docs", Points(10, 5), default));
            await Assert.ThrowsAsync<CollectionNotFoundException>(() => _router.DeleteAsync("docs", [new PointId(1)], null, default));
            Assert.False(_node.Collections.ContainsKey("docs"));
        }
    }

    private Task<ClusterCollection> CreateAsync() =>
        _node.CreateCollectionAsync("docs", new CollectionOptions(4, DistanceMetric.Cosine), 1, null, default, replicationFactor: 1);

    /// <summary>What another node's create stores for the same name and placement.</summary>
    private static ClusterCollection Definition(ClusterCollection like) =>
        new(like.Options, new ShardMap(like.Name, 0, like.Map.Shards, like.Map.ShardKey), 0, like.Replication);

    private static Point[] Points(int first, int count) =>
        Enumerable.Range(first, count).Select(i => new Point((ulong)i, [1, i, 2, 3])).ToArray();

    /// <summary>One copy per shard: no peer is ever called.</summary>
    private sealed class NoPeers : IReplicationTransport
    {
        public Task<ReplicateReply> ReplicateAsync(string node, ReplicateRequest request, CancellationToken cancellationToken) => throw Unreachable(node);

        public Task<FenceReply> FenceAsync(string node, FenceRequest request, CancellationToken cancellationToken) => throw Unreachable(node);

        public Task<CopyStatusReply> CopyStatusAsync(string node, CopyStatusRequest request, CancellationToken cancellationToken) => throw Unreachable(node);

        public Task<ReplicateReply> InstallSnapshotAsync(string node, IAsyncEnumerable<SnapshotChunk> chunks, CancellationToken cancellationToken) => throw Unreachable(node);

        private static VectorEngineException Unreachable(string node) => new(VectorEngineErrorKind.Unavailable, $"{node} is not in this one-node cluster");
    }

    /// <summary>A one-node cluster's calls, straight to its own shards.</summary>
    private sealed class ToSelf(LocalShards shards) : IShardTransport
    {
        public Task UpsertAsync(string node, string collection, long incarnation, int shard, IReadOnlyList<Point> points, CancellationToken cancellationToken) =>
            shards.UpsertAsync(collection, incarnation, shard, points, cancellationToken);

        public Task<long> DeleteAsync(string node, string collection, long incarnation, IReadOnlyList<int> shardIds, IReadOnlyList<PointId>? ids, Filter? filter, CancellationToken cancellationToken) =>
            shards.DeleteAsync(collection, incarnation, shardIds, ids, filter, cancellationToken);

        public Task<IReadOnlyList<ScoredPoint>> SearchAsync(string node, string collection, long incarnation, IReadOnlyList<int> shardIds, SearchRequest request, CancellationToken cancellationToken,
            bool confirmPrimary = false) => shards.SearchAsync(collection, incarnation, shardIds, request, cancellationToken, confirmPrimary);

        public Task<long> CountAsync(string node, string collection, long incarnation, IReadOnlyList<int> shardIds, Filter? filter, CancellationToken cancellationToken, bool confirmPrimary = false) =>
            shards.CountAsync(collection, incarnation, shardIds, filter, cancellationToken, confirmPrimary);

        public Task CheckpointAsync(string node, string collection, long incarnation, IReadOnlyList<int> shardIds, CancellationToken cancellationToken) =>
            shards.CheckpointAsync(collection, incarnation, shardIds, cancellationToken);

        public Task<IReadOnlyList<PointRecord>> ScrollAsync(string node, string collection, long incarnation, IReadOnlyList<int> shardIds, ScrollRequest request, CancellationToken cancellationToken,
            bool confirmPrimary = false) => shards.ScrollAsync(collection, incarnation, shardIds, request, cancellationToken, confirmPrimary);
    }
}
