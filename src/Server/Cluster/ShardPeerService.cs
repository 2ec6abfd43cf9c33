using Grpc.Core;
using VectorEngine.Api.Cluster.V1;
using VectorEngine.Protocol.Mapping;

namespace VectorEngine.Server.Cluster;

/// <summary>vectorengine.cluster.v1.ShardPeer: a peer's part of a client call, on this node's shards.</summary>
/// <param name="cluster">This node's cluster membership and shards.</param>
public sealed class ShardPeerService(ClusterHost cluster) : ShardPeer.ShardPeerBase
{
    /// <inheritdoc />
    public override async Task<ShardCountReply> Upsert(ShardUpsert request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var points = request.Points.Select((p, i) => p.ToEngine($"points[{i}]")).ToArray();
        await cluster.Local.UpsertAsync(request.CollectionName, (long)request.Incarnation, (int)request.Shard, points, context.CancellationToken).ConfigureAwait(false);
        return new ShardCountReply { Count = (ulong)points.Length };
    }

    /// <inheritdoc />
    public override async Task<ShardCountReply> Delete(ShardDelete request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        long deleted = await cluster.Local.DeleteAsync(
            request.CollectionName,
            (long)request.Incarnation,
            Shards(request.Shards),
            request.SelectorCase == ShardDelete.SelectorOneofCase.Points ? request.Points.Ids.ToEngine("points.ids") : null,
            request.SelectorCase == ShardDelete.SelectorOneofCase.Filter ? request.Filter.ToEngine("filter") : null,
            context.CancellationToken).ConfigureAwait(false);
        return new ShardCountReply { Count = (ulong)deleted };
    }

    /// <inheritdoc />
    public override async Task<ShardSearchReply> Search(ShardSearch request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        await cluster.InjectReadFaultAsync(context.CancellationToken).ConfigureAwait(false);
        IReadOnlyList<ScoredPoint> hits = await cluster.Local.SearchAsync(request.Search.CollectionName, (long)request.Incarnation, Shards(request.Shards), request.Search.ToEngine("search"), context.CancellationToken, request.ConfirmPrimary).ConfigureAwait(false);
        return new ShardSearchReply { Result = { hits.Select(h => h.ToWire()) } };
    }

    /// <inheritdoc />
    public override async Task<ShardCountReply> Count(ShardCountRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        await cluster.InjectReadFaultAsync(context.CancellationToken).ConfigureAwait(false);
        long count = await cluster.Local.CountAsync(request.CollectionName, (long)request.Incarnation, Shards(request.Shards), request.Filter.ToEngine("filter"), context.CancellationToken, request.ConfirmPrimary).ConfigureAwait(false);
        return new ShardCountReply { Count = (ulong)count };
    }

    /// <inheritdoc />
    public override async Task<ShardScrollReply> Scroll(ShardScroll request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        await cluster.InjectReadFaultAsync(context.CancellationToken).ConfigureAwait(false);
        IReadOnlyList<PointRecord> points = await cluster.Local.ScrollAsync(request.Scroll.CollectionName, (long)request.Incarnation, Shards(request.Shards), request.Scroll.ToEngine("scroll"), context.CancellationToken, request.ConfirmPrimary).ConfigureAwait(false);
        return new ShardScrollReply { Result = { points.Select(p => p.ToWire()) } };
    }

    /// <inheritdoc />
    public override async Task<ShardCountReply> Checkpoint(ShardCheckpoint request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        await cluster.Local.CheckpointAsync(request.CollectionName, (long)request.Incarnation, Shards(request.Shards), context.CancellationToken).ConfigureAwait(false);
        return new ShardCountReply { Count = (ulong)request.Shards.Count };
    }

    /// <inheritdoc />
    public override Task<ShardMapsReply> ShardMaps(ShardMapsRequest request, ServerCallContext context)
    {
        var reply = new ShardMapsReply
        {
            Nodes = { cluster.Node.Members.Values.Select(m => new NodeAddress { NodeId = m.NodeId, Address = m.Address }) },
        };
        foreach (Sharding.Coordination.ClusterCollection collection in cluster.Node.Collections.Values)
        {
            var shards = new CollectionShards { CollectionName = collection.Name, Version = (ulong)collection.Map.Version, Incarnation = (ulong)collection.Incarnation };
            if (collection.Map.ShardKey is { } key)
            {
                shards.ShardKey = key;
            }

            // The primary first: a cluster-aware client sends each shard's writes there.
            shards.Shards.AddRange(collection.Map.Shards.Select(s => new ShardNodes { NodeIds = { s.Nodes } }));
            reply.Collections.Add(shards);
        }

        return Task.FromResult(reply);
    }

    /// <inheritdoc />
    public override Task<ReplicateReply> Replicate(ReplicateRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        return cluster.Local.ReplicateAsync(request, context.CancellationToken);
    }

    /// <inheritdoc />
    public override Task<FenceReply> Fence(FenceRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        return cluster.Local.FenceAsync(request, context.CancellationToken);
    }

    /// <inheritdoc />
    public override Task<CopyStatusReply> CopyStatus(CopyStatusRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        return cluster.Local.CopyStatusAsync(request, context.CancellationToken);
    }

    /// <inheritdoc />
    public override async Task<ReplicateReply> InstallSnapshot(IAsyncStreamReader<SnapshotChunk> requestStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false) || requestStream.Current.Shard is null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "A snapshot starts with a chunk that names its shard."));
        }

        return await cluster.Local.InstallSnapshotAsync(requestStream.Current, requestStream.ReadAllAsync(context.CancellationToken), context.CancellationToken).ConfigureAwait(false);
    }

    private static int[] Shards(IEnumerable<uint> shards) => shards.Select(s => (int)s).ToArray();
}
