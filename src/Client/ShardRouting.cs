using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;
using VectorEngine.Api.Cluster.V1;
using VectorEngine.Sharding.Placement;

namespace VectorEngine.Client;

/// <summary>
/// A cluster-aware client's copy of the shard maps and of the nodes' addresses, and a channel per node. Maps are read
/// from the seed node (ShardPeer.ShardMaps) on first use and again whenever a node's answer carries another map
/// version, or a direct call fails (the node gone, the shard moved): the call then goes to the seed node, which routes it.
/// </summary>
internal sealed class ShardRouting : IDisposable
{
    /// <summary>The trailer a cluster node puts the collection's shard-map version in.</summary>
    public const string VersionTrailer = "vectorengine-shard-map-version";

    private readonly ShardPeer.ShardPeerClient _seed;
    private readonly Metadata _headers;
    private readonly string _scheme;
    private readonly ConcurrentDictionary<string, Api.V1.Points.PointsClient> _nodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Snapshot _snapshot = new(new Dictionary<string, ShardMap>(), new Dictionary<string, string>(), Stale: true);
    private volatile bool _standalone;

    public ShardRouting(GrpcChannel seed, Metadata headers, string scheme)
    {
        _seed = new ShardPeer.ShardPeerClient(seed);
        _headers = headers;
        _scheme = scheme;
    }

    /// <summary>The node client for the owner of one shard of <paramref name="collection"/>, or null to use the seed node.</summary>
    /// <param name="collection">The collection.</param>
    /// <param name="shardOf">Picks the shard from the map, or null when the call spans several.</param>
    /// <param name="cancellationToken">Cancels a map refresh.</param>
    public async Task<Api.V1.Points.PointsClient?> OwnerAsync(string collection, Func<ShardMap, int?> shardOf, CancellationToken cancellationToken)
    {
        if (_standalone)
        {
            return null;
        }

        Snapshot snapshot = _snapshot;
        if (snapshot.Stale || !snapshot.Maps.ContainsKey(collection))
        {
            snapshot = await RefreshAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!snapshot.Maps.TryGetValue(collection, out ShardMap? map))
        {
            return null;
        }

        int? shard;
        try
        {
            shard = shardOf(map);
        }
        catch (ArgumentException)
        {
            // A point without the shard key, or of a wrong kind: the seed node refuses it with the server's error.
            return null;
        }

        return shard is { } s && snapshot.Addresses.TryGetValue(map.NodesOf(s)[0], out string? address) ? NodeClient(address) : null;
    }

    /// <summary>Marks the maps stale when an answer names another version than the cached one.</summary>
    public void Observe(string collection, Metadata trailers)
    {
        string? version = trailers.GetValue(VersionTrailer);
        Snapshot snapshot = _snapshot;
        if (version is not null && (!snapshot.Maps.TryGetValue(collection, out ShardMap? map) || map.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) != version))
        {
            Invalidate();
        }
    }

    /// <summary>Reads the maps again before the next routed call.</summary>
    public void Invalidate() => _snapshot = _snapshot with { Stale = true };

    public void Dispose()
    {
        foreach (GrpcChannel channel in _channels.Values)
        {
            channel.Dispose();
        }

        _refresh.Dispose();
    }

    private async Task<Snapshot> RefreshAsync(CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_snapshot.Stale && _snapshot.Maps.Count > 0)
            {
                return _snapshot;
            }

            ShardMapsReply reply;
            try
            {
                reply = await _seed.ShardMapsAsync(new ShardMapsRequest(), _headers, DateTime.UtcNow.AddSeconds(5), cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
            {
                // A server that runs alone serves no ShardPeer: route nothing, ever.
                _standalone = true;
                return _snapshot;
            }

            var maps = new Dictionary<string, ShardMap>(StringComparer.Ordinal);
            foreach (CollectionShards collection in reply.Collections)
            {
                ShardAssignment[] shards = collection.Shards.Select((s, i) => new ShardAssignment(i, s.NodeIds.ToArray())).ToArray();
                maps[collection.CollectionName] = new ShardMap(collection.CollectionName, (long)collection.Version, shards, collection.HasShardKey ? collection.ShardKey : null);
            }

            var addresses = reply.Nodes.ToDictionary(n => n.NodeId, n => n.Address, StringComparer.Ordinal);
            _snapshot = new Snapshot(maps, addresses, Stale: false);
            return _snapshot;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private Api.V1.Points.PointsClient NodeClient(string address) => _nodes.GetOrAdd(address, a =>
    {
        GrpcChannel channel = _channels.GetOrAdd(a, x => GrpcChannel.ForAddress(_scheme + x, new GrpcChannelOptions { MaxReceiveMessageSize = 64 << 20, MaxSendMessageSize = 64 << 20 }));
        return new Api.V1.Points.PointsClient(channel);
    });

    private sealed record Snapshot(IReadOnlyDictionary<string, ShardMap> Maps, IReadOnlyDictionary<string, string> Addresses, bool Stale);
}
