using Grpc.Core;
using Grpc.Net.Client;
using VectorEngine.Api.V1;
using VectorEngine.Protocol;
using VectorEngine.Protocol.Mapping;

namespace VectorEngine.Client;

/// <summary>
/// A VectorEngine server over gRPC, shaped like <c>VectorDatabase</c>: the same options, points, filters and
/// results, and the same exception types for bad input (<see cref="VectorEngineArgumentException"/>) and for missing
/// or conflicting objects (<see cref="VectorEngineException"/> with its <see cref="VectorEngineErrorKind"/>).
/// </summary>
public sealed class VectorEngineClient : IVectorDatabase
{
    private readonly GrpcChannel? _channel;
    private readonly bool _ownsChannel;

    /// <summary>Connects to <paramref name="address"/> (e.g. "http://127.0.0.1:6334").</summary>
    /// <param name="address">The server's address.</param>
    /// <param name="apiKey">Sent as the "api-key" header on every call when given.</param>
    public VectorEngineClient(string address, string? apiKey = null)
        : this(GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 64 << 20,
            MaxSendMessageSize = 64 << 20,
        }), apiKey, ownsChannel: true)
    {
    }

    /// <summary>Uses an existing channel (TLS, custom handlers); the caller keeps ownership of it.</summary>
    /// <param name="channel">The channel.</param>
    /// <param name="apiKey">Sent as the "api-key" header on every call when given.</param>
    public VectorEngineClient(GrpcChannel channel, string? apiKey = null)
        : this(channel, apiKey, ownsChannel: false)
    {
    }

    /// <summary>Connects to a server or a cluster node with options (API key, cluster-aware routing).</summary>
    /// <param name="address">The server's address, e.g. http://127.0.0.1:6334.</param>
    /// <param name="options">The key and the routing.</param>
    public VectorEngineClient(string address, VectorEngineClientOptions options)
        : this(GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 64 << 20,
            MaxSendMessageSize = 64 << 20,
        }), options?.ApiKey, ownsChannel: true)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ClusterAware)
        {
            Routing = new ShardRouting(_channel!, Headers, address.StartsWith("https", StringComparison.OrdinalIgnoreCase) ? "https://" : "http://");
        }
    }

    private VectorEngineClient(GrpcChannel channel, string? apiKey, bool ownsChannel)
        : this((CallInvoker)channel.CreateCallInvoker(), apiKey)
    {
        _channel = channel;
        _ownsChannel = ownsChannel;
    }

    /// <summary>A client over a call invoker made elsewhere: the gRPC client factory's (<c>AddVectorEngineClient</c>), which owns the connection.</summary>
    internal VectorEngineClient(CallInvoker invoker, string? apiKey)
    {
        Headers = apiKey is null ? [] : new Metadata { { "api-key", apiKey } };
        Collections = new Api.V1.Collections.CollectionsClient(invoker);
        Points = new Api.V1.Points.PointsClient(invoker);
        Snapshots = new Api.V1.Snapshots.SnapshotsClient(invoker);
    }

    internal Metadata Headers { get; }

    /// <summary>The cluster-aware routing, or null (every call to the given node).</summary>
    internal ShardRouting? Routing { get; }

    internal Api.V1.Collections.CollectionsClient Collections { get; }

    internal Api.V1.Points.PointsClient Points { get; }

    internal Api.V1.Snapshots.SnapshotsClient Snapshots { get; }

    /// <summary>Creates a collection on a cluster, split into shards, and returns a handle to it.</summary>
    /// <param name="name">The collection name (at most 40 characters and no "--" on a cluster).</param>
    /// <param name="options">Dimension, metric, index and payload indexes, as for the embedded engine.</param>
    /// <param name="sharding">How many shards (null: one per live node) and the optional shard-key payload field.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="VectorEngineArgumentException">A shard number outside 1 to 1,024, or sharding asked of a server that runs alone.</exception>
    public async Task<RemoteCollection> CreateCollectionAsync(string name, CollectionOptions options, ShardingOptions sharding, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sharding);
        CreateCollection request = options.ToWire(name);
        if (sharding.ShardNumber is { } shards)
        {
            request.ShardNumber = shards < 0 ? 0 : (uint)shards;
        }

        if (sharding.ReplicationFactor is { } copies)
        {
            request.ReplicationFactor = copies < 0 ? 0 : (uint)copies;
        }

        if (sharding.WriteConsistency is { } needed)
        {
            request.WriteConsistency = needed < 0 ? 0 : (uint)needed;
        }

        if (sharding.ShardKey is { } key)
        {
            request.ShardKey = key;
        }

        await Call(() => Collections.CreateAsync(request, Headers, cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
        return new RemoteCollection(this, name);
    }

    /// <summary>Creates a collection and returns a handle to it.</summary>
    /// <param name="name">The collection name.</param>
    /// <param name="options">Dimension, metric, index and payload indexes, as for the embedded engine.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<RemoteCollection> CreateCollectionAsync(string name, CollectionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        await Call(() => Collections.CreateAsync(options.ToWire(name), Headers, cancellationToken: cancellationToken).ResponseAsync)
            .ConfigureAwait(false);
        return new RemoteCollection(this, name);
    }

    async Task<IVectorCollection> IVectorDatabase.CreateCollectionAsync(string name, CollectionOptions options, CancellationToken cancellationToken) =>
        await CreateCollectionAsync(name, options, cancellationToken).ConfigureAwait(false);

    IVectorCollection IVectorDatabase.OpenCollection(string name) => GetCollection(name);

    /// <summary>A handle to a collection; calls on it fail with NotFound if it does not exist.</summary>
    /// <param name="name">The collection name.</param>
    public RemoteCollection GetCollection(string name) => new(this, name);

    /// <summary>The collections' names.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<string>> ListCollectionsAsync(CancellationToken cancellationToken = default)
    {
        ListCollectionsResponse response = await Call(() =>
            Collections.ListAsync(new ListCollectionsRequest(), Headers, cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
        return response.Collections.Select(c => c.Name).ToList();
    }

    /// <summary>Drops a collection and its files.</summary>
    /// <param name="name">The collection name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task DropCollectionAsync(string name, CancellationToken cancellationToken = default) =>
        Call(() => Collections.DeleteAsync(new DeleteCollection { CollectionName = name }, Headers, cancellationToken: cancellationToken).ResponseAsync);

    /// <summary>Restores a snapshot archive (from <see cref="RemoteCollection.DownloadSnapshotAsync"/>) as a new collection.</summary>
    /// <param name="archive">The archive's bytes, read to the end.</param>
    /// <param name="name">The new collection's name.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    public async Task<RemoteCollection> RestoreSnapshotAsync(Stream archive, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentException.ThrowIfNullOrEmpty(name);
        await Call(async () =>
        {
            using AsyncClientStreamingCall<RestoreSnapshotRequest, CollectionOperationResponse> call =
                Snapshots.Restore(Headers, cancellationToken: cancellationToken);
            byte[] buffer = new byte[1 << 20];
            int read;
            bool first = true;
            while ((read = await archive.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0 || first)
            {
                await call.RequestStream.WriteAsync(new RestoreSnapshotRequest
                {
                    CollectionName = first ? name : string.Empty,
                    Data = Google.Protobuf.ByteString.CopyFrom(buffer, 0, read),
                }, cancellationToken).ConfigureAwait(false);
                first = false;
            }

            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            return await call.ResponseAsync.ConfigureAwait(false);
        }).ConfigureAwait(false);
        return new RemoteCollection(this, name);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Routing?.Dispose();
        if (_ownsChannel)
        {
            _channel!.Dispose();
        }
    }

    /// <summary>Closes the client as <see cref="Dispose"/> does (nothing in it waits on the network).</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Runs a call, turning the server's status back into the engine's exception types.</summary>
    internal static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw StatusMapping.ToException(e);
        }
    }
}
