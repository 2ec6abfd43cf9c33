using Prometheus;
using VectorEngine.Server.Observability;

namespace VectorEngine.Server.Cluster;

/// <summary>Node-to-node figures: calls and retries per peer, each peer's circuit state and the fan-out latency per shard call.</summary>
public sealed class ClusterMetrics
{
    /// <summary>Creates the metrics in the server's registry.</summary>
    public ClusterMetrics(ServerMetrics server)
    {
        ArgumentNullException.ThrowIfNull(server);
        IMetricFactory factory = Metrics.WithCustomRegistry(server.Registry);
        PeerCalls = factory.CreateCounter("vectorengine_cluster_peer_calls_total", "Node-to-node calls by peer, method and outcome.",
            new CounterConfiguration { LabelNames = ["peer", "method", "outcome"] });
        Retries = factory.CreateCounter("vectorengine_cluster_peer_retries_total", "Node-to-node retries by peer.",
            new CounterConfiguration { LabelNames = ["peer"] });
        RetriesRefused = factory.CreateCounter("vectorengine_cluster_retry_budget_exhausted_total", "Retries not made because the shared retry budget was spent.");
        CircuitState = factory.CreateGauge("vectorengine_cluster_peer_circuit_state", "Circuit breaker per peer: 0 closed, 1 half-open, 2 open.",
            new GaugeConfiguration { LabelNames = ["peer"] });
        Coordinator = factory.CreateGauge("vectorengine_cluster_coordinator", "1 while this node is the cluster's coordinator, else 0.");
        LiveNodes = factory.CreateGauge("vectorengine_cluster_live_nodes", "Nodes in the live set as this node sees it.");
        HedgesSent = factory.CreateCounter("vectorengine_cluster_hedged_reads_total", "Reads sent to a second copy because the first was slower than its shards' recent p95.");
        HedgesWon = factory.CreateCounter("vectorengine_cluster_hedged_reads_won_total", "Hedged reads whose second copy answered first.");
        Mismatches = factory.CreateCounter("vectorengine_cluster_replica_mismatches_total", "Replica copies whose checksum differed from their primary's (each rebuilt from a snapshot), counted by the primary.");
        Promotions = factory.CreateCounter("vectorengine_cluster_shard_promotions_total", "Shard primaries this node named as coordinator.");
        _registry = server.Registry;
        FanOutLatency = factory.CreateHistogram("vectorengine_cluster_fanout_duration_seconds", "Latency of one node's part of a fanned-out call, by peer and method.",
            new HistogramConfiguration { LabelNames = ["peer", "method"], Buckets = Histogram.ExponentialBuckets(0.00005, 2, 20) });
    }

    private readonly CollectorRegistry _registry;

    /// <summary>Hedged reads sent.</summary>
    public Counter HedgesSent { get; }

    /// <summary>Hedged reads won by the second copy.</summary>
    public Counter HedgesWon { get; }

    /// <summary>Copies found different by anti-entropy.</summary>
    public Counter Mismatches { get; }

    /// <summary>Promotions done by this node as coordinator.</summary>
    public Counter Promotions { get; }

    /// <summary>Keeps the cluster counters that live in the router and supervisor current at every scrape.</summary>
    public void Follow(Sharding.Routing.ShardRouter router, Sharding.Replication.ShardSupervisor supervisor, Sharding.Routing.LocalShards local)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(supervisor);
        _registry.AddBeforeCollectCallback(() =>
        {
            HedgesSent.IncTo(router.HedgesSent);
            HedgesWon.IncTo(router.HedgesWon);
            Promotions.IncTo(supervisor.Promotions);
            Mismatches.IncTo(local.AntiEntropyMismatches);
        });
    }

    /// <summary>Calls by peer, method and outcome (ok, unavailable, error).</summary>
    public Counter PeerCalls { get; }

    /// <summary>Retries by peer.</summary>
    public Counter Retries { get; }

    /// <summary>Retries the budget refused.</summary>
    public Counter RetriesRefused { get; }

    /// <summary>0 closed, 1 half-open, 2 open, per peer.</summary>
    public Gauge CircuitState { get; }

    /// <summary>1 while this node is coordinator.</summary>
    public Gauge Coordinator { get; }

    /// <summary>The live set's size as this node sees it.</summary>
    public Gauge LiveNodes { get; }

    /// <summary>One peer's part of a call, by method.</summary>
    public Histogram FanOutLatency { get; }
}
