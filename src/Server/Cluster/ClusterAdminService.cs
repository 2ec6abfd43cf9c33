using Grpc.Core;
using VectorEngine.Api.Cluster.V1;
using VectorEngine.Sharding.Placement;

namespace VectorEngine.Server.Cluster;

/// <summary>vectorengine.cluster.v1.ClusterAdmin: operator calls on the cluster's layout (an Admin key when keys are on).</summary>
/// <param name="cluster">This node's cluster membership.</param>
public sealed class ClusterAdminService(ClusterHost cluster) : ClusterAdmin.ClusterAdminBase
{
    /// <inheritdoc />
    public override async Task<MoveShardReply> MoveShard(MoveShardRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (request.FromNode.Length == 0 || request.ToNode.Length == 0)
        {
            throw new VectorEngineArgumentException("from_node and to_node are required.", request.FromNode.Length == 0 ? "from_node" : "to_node");
        }

        ShardAssignment moved = await cluster.Supervisor.Mover.MoveAsync(request.CollectionName, (int)request.Shard, request.FromNode, request.ToNode, context.CancellationToken).ConfigureAwait(false);
        return new MoveShardReply { NodeIds = { moved.Nodes }, Epoch = (ulong)moved.Epoch };
    }
}
