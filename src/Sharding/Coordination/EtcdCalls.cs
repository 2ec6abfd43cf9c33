using Grpc.Core;

namespace VectorEngine.Sharding.Coordination;

/// <summary>Call options for etcd requests.</summary>
internal static class EtcdCalls
{
    /// <summary>
    /// A deadline, and wait-for-ready: while the channel reconnects (etcd restarting, a brief network blip) a call waits
    /// for the connection up to its deadline instead of failing at once with Unavailable.
    /// </summary>
    public static CallOptions Options(TimeSpan timeout, CancellationToken cancellationToken) =>
        new CallOptions(deadline: DateTime.UtcNow.Add(timeout), cancellationToken: cancellationToken).WithWaitForReady();
}
