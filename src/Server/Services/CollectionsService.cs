using System.Diagnostics;
using Grpc.Core;
using VectorEngine.Api.V1;
using VectorEngine.Protocol.Mapping;
using VectorEngine.Server.Cluster;
using VectorEngine.Server.Hosting;
using VectorEngine.Server.Security;

namespace VectorEngine.Server.Services;

/// <summary>vectorengine.v1.Collections: create, list, describe and drop collections (the cluster's, on a cluster node).</summary>
/// <param name="host">The database.</param>
/// <param name="cluster">The cluster this node belongs to, if any.</param>
public sealed class CollectionsService(DatabaseHost host, ClusterHost cluster) : Api.V1.Collections.CollectionsBase
{
    /// <inheritdoc />
    public override async Task<CollectionOperationResponse> Create(CreateCollection request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var clock = Stopwatch.StartNew();
        CollectionOptions options = request.ToEngine();
        if (cluster.Enabled)
        {
            // Checked here once, as the local create would: every node creates its shards from the stored definition.
            options.Validate(host.Database.Options.Indexes);
            if (options.Embedding is not null)
            {
                // Each copy would embed on its own: vectors must be made once, before routing, which the router does not do yet.
                throw new VectorEngineArgumentException("embedding (text in, vectors made) is served by standalone servers only for now; embed on the client for a cluster.", "embedding");
            }

            int? shards = request.HasShardNumber ? checked((int)Math.Min(request.ShardNumber, int.MaxValue)) : null;
            Sharding.Coordination.ClusterCollection stored = await cluster.Node.CreateCollectionAsync(request.CollectionName, options, shards, request.HasShardKey ? request.ShardKey : null, context?.CancellationToken ?? default,
                request.HasReplicationFactor ? checked((int)Math.Min(request.ReplicationFactor, int.MaxValue)) : null,
                request.HasWriteConsistency ? checked((int)Math.Min(request.WriteConsistency, int.MaxValue)) : null).ConfigureAwait(false);

            // Answered once every shard serves, so the caller's first read or write finds none still starting. The
            // collection exists either way: a shard whose node is down or slow is logged, and serves once it starts.
            await cluster.WaitServingAsync(stored, ReadyWithin(context), context?.CancellationToken ?? default).ConfigureAwait(false);
        }
        else
        {
            if (request.HasShardNumber || request.HasShardKey || request.HasReplicationFactor || request.HasWriteConsistency)
            {
                string field = request.HasShardNumber ? "shard_number" : request.HasShardKey ? "shard_key" : request.HasReplicationFactor ? "replication_factor" : "write_consistency";
                throw new VectorEngineArgumentException("shard_number, shard_key, replication_factor and write_consistency apply to a cluster; this server runs alone.", field);
            }

            host.Database.CreateCollection(request.CollectionName, options);
        }

        return new CollectionOperationResponse { Result = true, Time = clock.Elapsed.TotalSeconds };
    }

    /// <inheritdoc />
    public override Task<ListCollectionsResponse> List(ListCollectionsRequest request, ServerCallContext context)
    {
        var clock = Stopwatch.StartNew();
        // A key limited to some collections sees only those.
        List<string>? allowed = context?.UserState.TryGetValue(typeof(ApiKeyOptions), out object? key) == true ? ((ApiKeyOptions)key!).Collections : null;
        IEnumerable<string> names = cluster.Enabled ? cluster.Node.Collections.Keys.Order(StringComparer.Ordinal) : host.Database.ListCollections();
        var response = new ListCollectionsResponse
        {
            Collections =
            {
                names
                    .Where(name => allowed is null || allowed.Count == 0 || allowed.Contains(name))
                    .Select(name => new CollectionDescription { Name = name }),
            },
        };
        response.Time = clock.Elapsed.TotalSeconds;
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override async Task<GetCollectionInfoResponse> Get(GetCollectionInfoRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var clock = Stopwatch.StartNew();
        Api.V1.CollectionInfo info;
        IReadOnlyList<int> partial = [];
        if (cluster.Enabled)
        {
            Sharding.Routing.ShardRouter router = cluster.Router ?? throw new RpcException(new Status(StatusCode.Unavailable, "This node has not joined its cluster yet."));
            Sharding.Coordination.ClusterCollection collection = await router.GetAsync(request.CollectionName, context?.CancellationToken ?? default).ConfigureAwait(false);
            Sharding.Routing.RoutedResult<long> count = await router.CountAsync(request.CollectionName, null, request.RequireAll, context?.CancellationToken ?? default).ConfigureAwait(false);
            partial = count.Partial;
            CreateCollection shape = collection.Options.ToWire(collection.Name);
            info = new Api.V1.CollectionInfo
            {
                Name = collection.Name,
                Vectors = shape.Vectors,
                Index = (collection.Options.Index ?? Indexing.IndexSpec.Flat).Name,
                PointsCount = (ulong)count.Value,
            };
        }
        else
        {
            info = host.Database.GetCollection(request.CollectionName).GetInfo().ToWire();
        }

        return new GetCollectionInfoResponse { Result = info, Time = clock.Elapsed.TotalSeconds, Partial = { partial.Select(s => (uint)s) } };
    }

    /// <inheritdoc />
    public override async Task<CollectionOperationResponse> Checkpoint(CheckpointCollection request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var clock = Stopwatch.StartNew();
        if (cluster.Enabled)
        {
            Sharding.Routing.ShardRouter router = cluster.Router ?? throw new RpcException(new Status(StatusCode.Unavailable, "This node has not joined its cluster yet."));
            await router.CheckpointAsync(request.CollectionName, context?.CancellationToken ?? default).ConfigureAwait(false);
        }
        else
        {
            host.Database.GetCollection(request.CollectionName).Checkpoint();
        }

        return new CollectionOperationResponse { Result = true, Time = clock.Elapsed.TotalSeconds };
    }

    /// <inheritdoc />
    public override async Task<CollectionOperationResponse> Delete(DeleteCollection request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var clock = Stopwatch.StartNew();
        if (cluster.Enabled)
        {
            if (!await cluster.Node.DropCollectionAsync(request.CollectionName, context?.CancellationToken ?? default).ConfigureAwait(false))
            {
                throw new CollectionNotFoundException(request.CollectionName);
            }
        }
        else
        {
            host.Database.DropCollection(request.CollectionName);
        }

        return new CollectionOperationResponse { Result = true, Time = clock.Elapsed.TotalSeconds };
    }

    /// <inheritdoc />
    public override Task<ListSegmentsResponse> ListSegments(ListSegmentsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var clock = Stopwatch.StartNew();
        Collection collection = Standalone(request.CollectionName);
        var response = new ListSegmentsResponse { Segments = { collection.GetSegmentTiers().Select(s => s.ToWire()) } };
        response.Time = clock.Elapsed.TotalSeconds;
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override Task<CollectionOperationResponse> MoveSegment(MoveSegmentRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var clock = Stopwatch.StartNew();
        Collection collection = Standalone(request.CollectionName);
        int segment = checked((int)Math.Min(request.SegmentId, int.MaxValue));
        if (request.Unpin)
        {
            if (request.Pin)
            {
                throw new VectorEngineArgumentException("pin and unpin exclude each other.", "unpin");
            }

            collection.PinSegment(segment, null);
        }
        else if (request.Pin)
        {
            collection.PinSegment(segment, request.Tier.ToEngine("tier"));
        }
        else
        {
            collection.MoveSegment(segment, request.Tier.ToEngine("tier"));
        }

        return Task.FromResult(new CollectionOperationResponse { Result = true, Time = clock.Elapsed.TotalSeconds });
    }

    /// <inheritdoc />
    public override Task<RunTierPassResponse> RunTierPass(RunTierPassRequest request, ServerCallContext context)
    {
        var clock = Stopwatch.StartNew();
        if (cluster.Enabled)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "Tier passes run on each node of a cluster by itself; this call serves standalone servers."));
        }

        int moved = host.Database.RunTierPass();
        return Task.FromResult(new RunTierPassResponse { Moved = (uint)moved, Time = clock.Elapsed.TotalSeconds });
    }

    /// <summary>How long a cluster create waits for its shards to serve: 10 s, or less where the call's deadline comes sooner (leaving it time to answer).</summary>
    private static TimeSpan ReadyWithin(ServerCallContext? context)
    {
        TimeSpan longest = TimeSpan.FromSeconds(10);
        if (context is null || context.Deadline == DateTime.MaxValue)
        {
            return longest;
        }

        TimeSpan left = context.Deadline - DateTime.UtcNow - TimeSpan.FromMilliseconds(250);
        return left < TimeSpan.Zero ? TimeSpan.Zero : left < longest ? left : longest;
    }

    /// <summary>The collection, on a standalone server (segments are a node's own, not a cluster's).</summary>
    private Collection Standalone(string name)
    {
        if (cluster.Enabled)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "Segment tiers are managed per node; this call serves standalone servers."));
        }

        return host.Database.GetCollection(name);
    }
}
