using Grpc.Core;
using Microsoft.Extensions.Options;
using VectorEngine.Server.Hosting;
using VectorEngine.Sharding.Coordination;
using VectorEngine.Sharding.Replication;
using VectorEngine.Sharding.Routing;

namespace VectorEngine.Server.Cluster;

/// <summary>
/// Makes this server a cluster node when <c>--cluster-etcd</c> is given: once the database is open it joins (under a
/// data-directory identity kept in <c>DATA/cluster-instance</c>), keeps its local shard collections in step with the
/// cluster's collections, and routes client calls through a <see cref="ShardRouter"/>. A node id another live node
/// holds stops the server with that error. Without a cluster it does nothing and the server runs alone.
/// </summary>
public sealed class ClusterHost : BackgroundService
{
    private const string InstanceFile = "cluster-instance";
    private readonly ClusterOptions _options;
    private readonly ServerOptions _server;
    private readonly DatabaseHost _database;
    private readonly ClusterMetrics _metrics;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<ClusterHost> _logger;
    private readonly SemaphoreSlim _reconcile = new(1, 1);
    private ClusterNode? _node;
    private GrpcShardTransport? _transport;
    private ShardSupervisor? _supervisor;

    /// <summary>Creates the host.</summary>
    public ClusterHost(IOptions<ClusterOptions> options, IOptions<ServerOptions> server, DatabaseHost database, ClusterMetrics metrics, IHostApplicationLifetime lifetime, ILogger<ClusterHost> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(server);
        _options = options.Value;
        _server = server.Value;
        _database = database;
        _metrics = metrics;
        _lifetime = lifetime;
        _logger = logger;
    }

    /// <summary>True when the server was started as a cluster node.</summary>
    public bool Enabled => _options.Enabled;

    /// <summary>True once the node has joined and serves cluster calls.</summary>
    public bool IsReady => Volatile.Read(ref _node) is not null && Router is not null;

    /// <summary>This node's membership; Unavailable until joined.</summary>
    public ClusterNode Node => Volatile.Read(ref _node) ?? throw NotJoined();

    /// <summary>Routes client calls on cluster collections; null until joined.</summary>
    public ShardRouter? Router { get; private set; }

    /// <summary>Failover and rebalancing (acting while this node is coordinator) and the shard mover; Unavailable until joined.</summary>
    public ShardSupervisor Supervisor => _supervisor ?? throw NotJoined();

    /// <summary>This node's shards; Unavailable until joined.</summary>
    public LocalShards Local => LocalOrNull ?? throw NotJoined();

    private LocalShards? LocalOrNull { get; set; }

    /// <summary>
    /// Waits until every shard of <paramref name="collection"/> serves (its primary has committed the no-op of its
    /// epoch), at most <paramref name="within"/>; logs and returns the shards that did not in time.
    /// </summary>
    public async Task<IReadOnlyList<int>> WaitServingAsync(ClusterCollection collection, TimeSpan within, CancellationToken cancellationToken)
    {
        IReplicationTransport transport = _transport ?? throw NotJoined();
        IReadOnlyList<int> starting = await ShardReadiness.WaitServingAsync(transport, collection, within, _logger, cancellationToken).ConfigureAwait(false);
        if (starting.Count > 0)
        {
            _logger.LogWarning("Collection {Collection}: shards {Shards} were not serving {Seconds} s after the create; they serve once their copies start",
                collection.Name, starting, within.TotalSeconds);
        }

        return starting;
    }

    /// <summary>Waits the configured read fault (Cluster:Faults:SlowReadsMs) before a shard read served for a peer; nothing when off.</summary>
    public Task InjectReadFaultAsync(CancellationToken cancellationToken) =>
        _options.Faults.SlowReadsMs > 0 ? Task.Delay(_options.Faults.SlowReadsMs, cancellationToken) : Task.CompletedTask;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        while (!_database.IsReady)
        {
            await Task.Delay(50, stoppingToken).ConfigureAwait(false);
        }

        try
        {
            ClusterNode node = await JoinWhenReachableAsync(stoppingToken).ConfigureAwait(false);
            LocalShards? local = null;
            _transport = new GrpcShardTransport(node, () => local!, _options, _metrics, tls: _server.TlsCertificatePath.Length > 0);
            ReplicationOptions replication = _options.Replication;
            local = new LocalShards(_database.Database, node, _transport, replication, _logger);
            LocalOrNull = local;
            Router = new ShardRouter(node, _transport, _logger);
            _supervisor = new ShardSupervisor(node, _transport, replication, _logger);
            _metrics.Follow(Router, _supervisor, local);
            node.CollectionsChanged += () => _ = Task.Run(ReconcileAsync, CancellationToken.None);
            node.CoordinatorChanged += isCoordinator => _metrics.Coordinator.Set(isCoordinator ? 1 : 0);
            node.MembersChanged += () =>
            {
                _metrics.LiveNodes.Set(node.Members.Count);

                // A re-registration (a new lease) unbinds this process from the shards it was primary of.
                _ = Task.Run(ReconcileAsync, CancellationToken.None);
            };
            _metrics.Coordinator.Set(node.IsCoordinator ? 1 : 0);
            _metrics.LiveNodes.Set(node.Members.Count);
            Volatile.Write(ref _node, node);
            await ReconcileAsync().ConfigureAwait(false);
            _logger.LogInformation("Node {Node} joined the cluster at {Etcd} as {Address}", _options.NodeId, _options.Etcd, _options.Advertise);
        }
        catch (NodeIdTakenException e)
        {
            _logger.LogCritical("{Message}", e.Message);
            Environment.ExitCode = 3;
            _lifetime.StopApplication();
        }
    }

    /// <summary>
    /// Joins, retrying every 2 s while etcd cannot be reached (a node may boot before its etcd, as pods do): the node
    /// stays NOT_SERVING meanwhile instead of exiting. A taken node id is not retried.
    /// </summary>
    private async Task<ClusterNode> JoinWhenReachableAsync(CancellationToken stoppingToken)
    {
        string instance = InstanceId();
        while (true)
        {
            try
            {
                return await ClusterNode.JoinAsync(_options, instance, _logger, stoppingToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (!stoppingToken.IsCancellationRequested)
            {
                _logger.LogWarning("Cannot reach etcd at {Etcd} ({Status}); retrying in 2 s", _options.Etcd, e.StatusCode);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_supervisor is { } supervisor)
        {
            await supervisor.DisposeAsync().ConfigureAwait(false);
        }

        if (LocalOrNull is { } local)
        {
            await local.DisposeAsync().ConfigureAwait(false);
        }

        if (Interlocked.Exchange(ref _node, null) is { } node)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }

        _transport?.Dispose();
    }

    private async Task ReconcileAsync()
    {
        await _reconcile.WaitAsync().ConfigureAwait(false);
        try
        {
            if (LocalOrNull is { } local)
            {
                (int created, int dropped) = await local.ReconcileAsync().ConfigureAwait(false);
                if (created + dropped > 0)
                {
                    _logger.LogInformation("Shards reconciled: {Created} created, {Dropped} dropped", created, dropped);
                }

                if (local.Orphans.Count > 0)
                {
                    _logger.LogWarning("Local shards of collections this cluster does not know are kept, not served: {Orphans}", string.Join(", ", local.Orphans));
                }
            }
        }
        catch (Exception e) when (e is VectorEngineException or IOException)
        {
            _logger.LogError(e, "Reconciling local shards failed; retried at the next change");
        }
        finally
        {
            _reconcile.Release();
        }
    }

    private string InstanceId()
    {
        string path = Path.Combine(Path.GetFullPath(_server.DataDirectory), InstanceFile);
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        string id = Guid.NewGuid().ToString("N");
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(id));
            file.Flush(flushToDisk: true);
        }

        return id;
    }

    private static RpcException NotJoined() => new(new Status(StatusCode.Unavailable, "This node has not joined its cluster yet; retry shortly."));
}
