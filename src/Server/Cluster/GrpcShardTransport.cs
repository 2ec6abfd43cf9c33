using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;
using VectorEngine.Api.Cluster.V1;
using VectorEngine.Filters;
using VectorEngine.Protocol;
using VectorEngine.Protocol.Mapping;
using VectorEngine.Sharding.Coordination;
using VectorEngine.Sharding.Replication;
using VectorEngine.Sharding.Routing;

namespace VectorEngine.Server.Cluster;

/// <summary>
/// <see cref="IShardTransport"/> over the internal ShardPeer service. Calls to this node go straight to its local
/// shards. Each peer has one channel and one Polly pipeline: a per-attempt timeout, retries with exponential backoff
/// and jitter for Unavailable (every shard call is idempotent: upserts by id, deletes, reads) drawn from a budget
/// shared by all peers, and a circuit breaker, so a dead peer costs a fast failure rather than a timeout per call.
/// Replication calls (<see cref="IReplicationTransport"/>) skip the retries and breaker: the replication loop retries
/// on its own schedule, and a fence must reach the copy or count as not answered.
/// </summary>
public sealed class GrpcShardTransport : IShardTransport, IReplicationTransport, IDisposable
{
    private readonly ClusterNode _cluster;
    private readonly Func<LocalShards> _local;
    private readonly ClusterOptions _options;
    private readonly ClusterMetrics _metrics;
    private readonly RetryBudget _budget = new();
    private readonly ConcurrentDictionary<string, Peer> _peers = new(StringComparer.Ordinal);

    private readonly string _scheme;

    /// <summary>Creates the transport.</summary>
    /// <param name="cluster">This node's membership (peer addresses).</param>
    /// <param name="local">This node's shards, for calls to itself (they replicate through this transport, so they are made after it).</param>
    /// <param name="options">Peer timeout and key.</param>
    /// <param name="metrics">Where peer figures go.</param>
    /// <param name="tls">True when the nodes serve TLS (peers are then called over https, validated against the system's trust).</param>
    public GrpcShardTransport(ClusterNode cluster, Func<LocalShards> local, ClusterOptions options, ClusterMetrics metrics, bool tls)
    {
        _scheme = tls ? "https://" : "http://";
        _cluster = cluster;
        _local = local;
        _options = options;
        _metrics = metrics;
    }

    /// <inheritdoc />
    public Task UpsertAsync(string node, string collection, long incarnation, int shard, IReadOnlyList<Point> points, CancellationToken cancellationToken)
    {
        if (IsSelf(node))
        {
            return _local().UpsertAsync(collection, incarnation, shard, points, cancellationToken);
        }

        var request = new ShardUpsert { CollectionName = collection, Incarnation = (ulong)incarnation, Shard = (uint)shard, Points = { points.Select(p => p.ToWire()) } };
        return CallAsync(node, "Upsert", (client, options) => client.UpsertAsync(request, options).ResponseAsync, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<long> DeleteAsync(string node, string collection, long incarnation, IReadOnlyList<int> shards, IReadOnlyList<PointId>? ids, Filter? filter, CancellationToken cancellationToken)
    {
        if (IsSelf(node))
        {
            return await _local().DeleteAsync(collection, incarnation, shards, ids, filter, cancellationToken).ConfigureAwait(false);
        }

        var request = new ShardDelete { CollectionName = collection, Incarnation = (ulong)incarnation, Shards = { shards.Select(s => (uint)s) } };
        if (ids is not null)
        {
            request.Points = new Api.V1.PointsIdsList { Ids = { ids.Select(id => id.ToWire()) } };
        }
        else
        {
            request.Filter = filter.ToWire();
        }

        ShardCountReply reply = await CallAsync(node, "Delete", (client, options) => client.DeleteAsync(request, options).ResponseAsync, cancellationToken).ConfigureAwait(false);
        return (long)reply.Count;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ScoredPoint>> SearchAsync(string node, string collection, long incarnation, IReadOnlyList<int> shards, SearchRequest request, CancellationToken cancellationToken,
        bool confirmPrimary = false)
    {
        if (IsSelf(node))
        {
            return await _local().SearchAsync(collection, incarnation, shards, request, cancellationToken, confirmPrimary).ConfigureAwait(false);
        }

        var wire = new ShardSearch { Incarnation = (ulong)incarnation, Shards = { shards.Select(s => (uint)s) }, Search = request.ToWire(collection), ConfirmPrimary = confirmPrimary };
        ShardSearchReply reply = await CallAsync(node, "Search", (client, options) => client.SearchAsync(wire, options).ResponseAsync, cancellationToken).ConfigureAwait(false);
        return reply.Result.Select(p => p.ToEngine()).ToArray();
    }

    /// <inheritdoc />
    public async Task<long> CountAsync(string node, string collection, long incarnation, IReadOnlyList<int> shards, Filter? filter, CancellationToken cancellationToken, bool confirmPrimary = false)
    {
        if (IsSelf(node))
        {
            return await _local().CountAsync(collection, incarnation, shards, filter, cancellationToken, confirmPrimary).ConfigureAwait(false);
        }

        var request = new ShardCountRequest { CollectionName = collection, Incarnation = (ulong)incarnation, Shards = { shards.Select(s => (uint)s) }, Filter = filter.ToWire(), ConfirmPrimary = confirmPrimary };
        ShardCountReply reply = await CallAsync(node, "Count", (client, options) => client.CountAsync(request, options).ResponseAsync, cancellationToken).ConfigureAwait(false);
        return (long)reply.Count;
    }

    /// <inheritdoc />
    public Task CheckpointAsync(string node, string collection, long incarnation, IReadOnlyList<int> shards, CancellationToken cancellationToken)
    {
        if (IsSelf(node))
        {
            return _local().CheckpointAsync(collection, incarnation, shards, cancellationToken);
        }

        // Sealing and indexing a shard takes as long as the build: no per-attempt timeout short of the caller's deadline.
        var request = new ShardCheckpoint { CollectionName = collection, Incarnation = (ulong)incarnation, Shards = { shards.Select(s => (uint)s) } };
        return CallAsync(node, "Checkpoint", (client, options) => client.CheckpointAsync(request, options).ResponseAsync, cancellationToken, longRunning: true);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PointRecord>> ScrollAsync(string node, string collection, long incarnation, IReadOnlyList<int> shards, ScrollRequest request, CancellationToken cancellationToken,
        bool confirmPrimary = false)
    {
        if (IsSelf(node))
        {
            return await _local().ScrollAsync(collection, incarnation, shards, request, cancellationToken, confirmPrimary).ConfigureAwait(false);
        }

        var wire = new ShardScroll { Incarnation = (ulong)incarnation, Shards = { shards.Select(s => (uint)s) }, Scroll = request.ToWire(collection), ConfirmPrimary = confirmPrimary };
        ShardScrollReply reply = await CallAsync(node, "Scroll", (client, options) => client.ScrollAsync(wire, options).ResponseAsync, cancellationToken).ConfigureAwait(false);
        return reply.Result.Select(p => p.ToEngine()).ToArray();
    }

    /// <inheritdoc />
    public Task<ReplicateReply> ReplicateAsync(string node, ReplicateRequest request, CancellationToken cancellationToken) =>
        IsSelf(node)
            ? _local().ReplicateAsync(request, cancellationToken)
            : CallAsync(node, "Replicate", (client, options) => client.ReplicateAsync(request, options).ResponseAsync, cancellationToken, longRunning: true);

    /// <inheritdoc />
    public Task<FenceReply> FenceAsync(string node, FenceRequest request, CancellationToken cancellationToken) =>
        IsSelf(node)
            ? _local().FenceAsync(request, cancellationToken)
            : CallAsync(node, "Fence", (client, options) => client.FenceAsync(request, options).ResponseAsync, cancellationToken, longRunning: true);

    /// <inheritdoc />
    public Task<CopyStatusReply> CopyStatusAsync(string node, CopyStatusRequest request, CancellationToken cancellationToken) =>
        IsSelf(node)
            ? _local().CopyStatusAsync(request, cancellationToken)
            : CallAsync(node, "CopyStatus", (client, options) => client.CopyStatusAsync(request, options).ResponseAsync, cancellationToken, longRunning: true);

    /// <inheritdoc />
    public Task<ReplicateReply> InstallSnapshotAsync(string node, IAsyncEnumerable<SnapshotChunk> chunks, CancellationToken cancellationToken) =>
        CallAsync(node, "InstallSnapshot", async (client, options) =>
        {
            using AsyncClientStreamingCall<SnapshotChunk, ReplicateReply> call = client.InstallSnapshot(options);
            await foreach (SnapshotChunk chunk in chunks.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await call.RequestStream.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
            }

            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            return await call.ResponseAsync.ConfigureAwait(false);
        }, cancellationToken, longRunning: true);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Peer peer in _peers.Values)
        {
            peer.Channel.Dispose();
        }
    }

    private bool IsSelf(string node) => node == _cluster.Self.NodeId;

    /// <summary>
    /// One call to a peer through its pipeline; a long-running call (a checkpoint) skips the pipeline's timeout and
    /// retries and is bounded by the caller's deadline alone.
    /// </summary>
    private async Task<T> CallAsync<T>(string node, string method, Func<ShardPeer.ShardPeerClient, CallOptions, Task<T>> call, CancellationToken cancellationToken, bool longRunning = false)
    {
        Peer peer = PeerFor(node);
        _budget.Deposit();
        long start = Stopwatch.GetTimestamp();
        try
        {
            T result = longRunning
                ? await call(peer.Client, new CallOptions(Headers(), null, cancellationToken)).ConfigureAwait(false)
                : await peer.Pipeline.ExecuteAsync(
                    async token => await call(peer.Client, new CallOptions(Headers(), DateTime.UtcNow.AddSeconds(_options.PeerTimeoutSeconds), token)).ConfigureAwait(false),
                    cancellationToken).ConfigureAwait(false);
            _metrics.PeerCalls.WithLabels(node, method, "ok").Inc();
            return result;
        }
        catch (Exception e) when (e is BrokenCircuitException or TimeoutRejectedException
            || (e is RpcException rpc && rpc.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded))
        {
            _metrics.PeerCalls.WithLabels(node, method, "unavailable").Inc();
            throw new VectorEngineException(VectorEngineErrorKind.Unavailable, $"node {node} did not answer ({Reason(e)})", e);
        }
        catch (RpcException e)
        {
            _metrics.PeerCalls.WithLabels(node, method, "error").Inc();
            throw StatusMapping.ToException(e);
        }
        finally
        {
            _metrics.FanOutLatency.WithLabels(node, method).Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }

    private static string Reason(Exception e) => e switch
    {
        BrokenCircuitException => "circuit open after repeated failures",
        TimeoutRejectedException => "timed out",
        RpcException rpc => rpc.StatusCode + ": " + rpc.Status.Detail,
        _ => e.Message,
    };

    private Metadata? Headers() => _options.PeerApiKey.Length > 0 ? new Metadata { { "api-key", _options.PeerApiKey } } : null;

    private Peer PeerFor(string node)
    {
        string address = _cluster.Members.TryGetValue(node, out ClusterMember? member)
            ? member.Address
            : throw new VectorEngineException(VectorEngineErrorKind.Unavailable, $"node {node} is not in the live set");
        Peer peer = _peers.GetOrAdd(node, n => CreatePeer(n, address));
        if (peer.Address != address)
        {
            // The node came back elsewhere (a restart on another port): a fresh channel and circuit for the new address.
            var fresh = CreatePeer(node, address);
            if (_peers.TryUpdate(node, fresh, peer))
            {
                peer.Channel.Dispose();
                peer = fresh;
            }
            else
            {
                fresh.Channel.Dispose();
                peer = _peers[node];
            }
        }

        return peer;
    }

    private Peer CreatePeer(string node, string address)
    {
        GrpcChannel channel = GrpcChannel.ForAddress(_scheme + address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 64 << 20,
            MaxSendMessageSize = 64 << 20,
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                ConnectTimeout = TimeSpan.FromSeconds(2),
                KeepAlivePingDelay = TimeSpan.FromSeconds(5),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            },
        });
        var unavailable = new PredicateBuilder().Handle<RpcException>(e => e.StatusCode == StatusCode.Unavailable);
        ResiliencePipeline pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is RpcException { StatusCode: StatusCode.Unavailable } && Budget()),
                MaxRetryAttempts = 2,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(25),
                OnRetry = _ =>
                {
                    _metrics.Retries.WithLabels(node).Inc();
                    return ValueTask.CompletedTask;
                },
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = unavailable,
                FailureRatio = 0.5,
                MinimumThroughput = 4,
                SamplingDuration = TimeSpan.FromSeconds(10),
                BreakDuration = TimeSpan.FromSeconds(2),
                OnOpened = _ => SetState(node, 2),
                OnHalfOpened = _ => SetState(node, 1),
                OnClosed = _ => SetState(node, 0),
            })
            .AddTimeout(TimeSpan.FromSeconds(_options.PeerTimeoutSeconds))
            .Build();
        SetState(node, 0);
        return new Peer(address, channel, new ShardPeer.ShardPeerClient(channel), pipeline);
    }

    private bool Budget()
    {
        if (_budget.TryWithdraw())
        {
            return true;
        }

        _metrics.RetriesRefused.Inc();
        return false;
    }

    private ValueTask SetState(string node, int state)
    {
        _metrics.CircuitState.WithLabels(node).Set(state);
        return ValueTask.CompletedTask;
    }

    private sealed record Peer(string Address, GrpcChannel Channel, ShardPeer.ShardPeerClient Client, ResiliencePipeline Pipeline);
}
