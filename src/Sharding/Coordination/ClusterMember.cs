using System.Text.Json;

namespace VectorEngine.Sharding.Coordination;

/// <summary>A live node as registered in etcd.</summary>
/// <param name="NodeId">The node's id.</param>
/// <param name="Address">host:port of its gRPC port.</param>
/// <param name="InstanceId">
/// Identity of the node's data directory: a node that restarts on the same directory takes its id back at once,
/// while a second process claiming a registered id with another directory is refused.
/// </param>
public sealed record ClusterMember(string NodeId, string Address, string InstanceId)
{
    /// <summary>
    /// The etcd lease the registration hangs on (one per process life: a restarted node registers under a new one).
    /// Not stored in the record: read from the key.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long Lease { get; init; }

    internal byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this);

    internal static ClusterMember FromJson(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<ClusterMember>(json) ?? throw new InvalidDataException("An empty cluster member record.");
}
