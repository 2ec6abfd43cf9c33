using Microsoft.Extensions.Logging;
using VectorEngine.Api.Cluster.V1;
using VectorEngine.Sharding.Coordination;
using VectorEngine.Sharding.Replication;

namespace VectorEngine.Sharding.Routing;

/// <summary>
/// Waits until every shard of a collection serves: its primary has applied the no-op of its epoch, which it commits
/// only once its write consistency's copies hold it. A collection is stored in etcd before its copies exist on their
/// nodes, and a read in that moment finds no copy that may answer; waiting here lets a create return a collection
/// whose first read and write find every shard ready.
/// </summary>
public static class ShardReadiness
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LongestPause = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Asks each shard's primary until it serves reads or <paramref name="within"/> has passed; returns the shards that
    /// did not serve in time (their node down or slow), in order.
    /// </summary>
    /// <param name="transport">Reaches each primary's node.</param>
    /// <param name="collection">The collection as stored.</param>
    /// <param name="within">The longest wait.</param>
    /// <param name="logger">Logs what a primary answered while not ready.</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    public static async Task<IReadOnlyList<int>> WaitServingAsync(IReplicationTransport transport, ClusterCollection collection, TimeSpan within,
        ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(logger);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(within);
        bool[] serving = await Task.WhenAll(collection.Map.Shards.Select(shard =>
            ServingAsync(transport, new ShardIdentity(collection.Name, collection.Incarnation, shard.ShardId), shard.Primary, logger, deadline.Token))).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return Enumerable.Range(0, serving.Length).Where(shard => !serving[shard]).ToArray();
    }

    private static async Task<bool> ServingAsync(IReplicationTransport transport, ShardIdentity shard, string primary, ILogger logger, CancellationToken deadline)
    {
        var request = new CopyStatusRequest { Shard = shard.ToWire() };
        TimeSpan pause = FirstPause;
        try
        {
            while (true)
            {
                try
                {
                    CopyStatusReply status = await transport.CopyStatusAsync(primary, request, deadline).ConfigureAwait(false);
                    if (status.Primary && status.ServesReads)
                    {
                        return true;
                    }
                }
                catch (Exception e) when (ShardRouter.IsUnavailable(e) && !deadline.IsCancellationRequested)
                {
                    logger.LogDebug(e, "Shard {Shard}: its primary {Node} is not serving yet", shard, primary);
                }

                await Task.Delay(pause, deadline).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(LongestPause.Ticks, pause.Ticks * 2));
            }
        }
        catch (Exception e) when (deadline.IsCancellationRequested && (e is OperationCanceledException || ShardRouter.IsUnavailable(e)))
        {
            return false;
        }
    }
}
