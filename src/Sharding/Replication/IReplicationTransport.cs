using VectorEngine.Api.Cluster.V1;

namespace VectorEngine.Sharding.Replication;

/// <summary>
/// Carries replication between the copies of a shard: a primary's log entries and snapshots to its replicas, and a
/// coordinator's fence to each copy before it names a new primary. The server implements it over the node-to-node
/// gRPC service; a call that does not reach the node fails (Unavailable, DeadlineExceeded) and is retried by the caller.
/// </summary>
public interface IReplicationTransport
{
    /// <summary>Sends log entries (or, with none, the commit position) to the copy on <paramref name="node"/>.</summary>
    Task<ReplicateReply> ReplicateAsync(string node, ReplicateRequest request, CancellationToken cancellationToken);

    /// <summary>Asks the copy on <paramref name="node"/> to refuse every epoch below the request's, and how far its log reaches.</summary>
    Task<FenceReply> FenceAsync(string node, FenceRequest request, CancellationToken cancellationToken);

    /// <summary>The progress of the copy on <paramref name="node"/>.</summary>
    Task<CopyStatusReply> CopyStatusAsync(string node, CopyStatusRequest request, CancellationToken cancellationToken);

    /// <summary>Streams a snapshot of a shard to the copy on <paramref name="node"/>; the first chunk carries the header.</summary>
    Task<ReplicateReply> InstallSnapshotAsync(string node, IAsyncEnumerable<SnapshotChunk> chunks, CancellationToken cancellationToken);
}
