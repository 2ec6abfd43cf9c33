namespace VectorEngine.Sharding.Coordination;

/// <summary>How a server node joins a cluster: where etcd is, who this node is and how peers reach it.</summary>
public sealed class ClusterOptions
{
    /// <summary>etcd's client URLs, comma-separated (e.g. http://127.0.0.1:2379). Empty: the server runs alone.</summary>
    public string Etcd { get; set; } = string.Empty;

    /// <summary>This node's id: unique in the cluster, stable across restarts (e.g. node-1, or a StatefulSet pod name).</summary>
    public string NodeId { get; set; } = string.Empty;

    /// <summary>host:port peers and cluster-aware clients use to reach this node's gRPC port.</summary>
    public string Advertise { get; set; } = string.Empty;

    /// <summary>Key prefix in etcd, so several clusters can share one etcd. Default "vectorengine".</summary>
    public string ClusterName { get; set; } = "vectorengine";

    /// <summary>
    /// Seconds a node's registration outlives its last keep-alive (etcd lease TTL). Default 5: a killed node leaves the
    /// live set, and a killed coordinator its office, within 5 s.
    /// </summary>
    public int LeaseTtlSeconds { get; set; } = 5;

    /// <summary>
    /// The API key this node presents to its peers' node-to-node service (an Admin key of theirs). Needed when the
    /// servers have API keys; prefer VECTORENGINE_CLUSTER__PEERAPIKEY to a flag.
    /// </summary>
    public string PeerApiKey { get; set; } = string.Empty;

    /// <summary>Seconds a node-to-node call may take when the client's call has no deadline. Default 10.</summary>
    public double PeerTimeoutSeconds { get; set; } = 10;

    /// <summary>True when a cluster is configured.</summary>
    public bool Enabled => Etcd.Length > 0;

    /// <summary>
    /// Fault injection for drills and tests (configuration section Cluster:Faults): <c>SlowReadsMs</c> delays every
    /// shard read this node serves for a peer by that many milliseconds. Off (0) by default.
    /// </summary>
    public PeerFaults Faults { get; set; } = new();

    /// <summary>Shard replication tuning (configuration section Cluster:Replication).</summary>
    public Replication.ReplicationOptions Replication { get; set; } = new();

    /// <summary>Checks the values.</summary>
    /// <exception cref="InvalidOperationException">A cluster is configured without a valid node id or address, or a TTL below 2 s.</exception>
    public void Validate()
    {
        if (!Enabled)
        {
            return;
        }

        if (NodeId.Length is 0 or > 128 || NodeId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            throw new InvalidOperationException($"--node-id must be 1 to 128 letters, digits, '-', '_' or '.'; got '{NodeId}'.");
        }

        int colon = Advertise.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(Advertise.AsSpan(colon + 1), out int port) || port is < 1 or > 65535)
        {
            throw new InvalidOperationException($"--advertise must be HOST:PORT; got '{Advertise}'.");
        }

        if (LeaseTtlSeconds < 2 || ClusterName.Length == 0 || ClusterName.Contains('/'))
        {
            throw new InvalidOperationException("Cluster:LeaseTtlSeconds must be at least 2 and Cluster:ClusterName a non-empty name without '/'.");
        }
    }
}

/// <summary>Faults a node can inject into what it serves its peers (all off by default).</summary>
public sealed class PeerFaults
{
    /// <summary>Milliseconds every shard read (search, count, scroll) served for a peer waits first; 0: none.</summary>
    public int SlowReadsMs { get; set; }
}
