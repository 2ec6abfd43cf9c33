namespace VectorEngine.Sharding.Coordination;

/// <summary>A node tried to join under an id another live process holds.</summary>
public sealed class NodeIdTakenException : InvalidOperationException
{
    /// <summary>Creates the error.</summary>
    /// <param name="nodeId">The id asked for.</param>
    /// <param name="holder">The registration that holds it.</param>
    public NodeIdTakenException(string nodeId, ClusterMember holder)
        : base($"Node id '{nodeId}' is already registered by a live node at {holder.Address} (another data directory); pick another --node-id, or stop that node and wait for its lease to expire.")
    {
        NodeId = nodeId;
        Holder = holder;
    }

    /// <summary>The id asked for.</summary>
    public string NodeId { get; }

    /// <summary>The live registration holding it.</summary>
    public ClusterMember Holder { get; }
}
