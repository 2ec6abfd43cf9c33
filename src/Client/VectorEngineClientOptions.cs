namespace VectorEngine.Client;

/// <summary>How a <see cref="VectorEngineClient"/> talks to its server or cluster.</summary>
public sealed class VectorEngineClientOptions
{
    /// <summary>The API key sent with every call (header <c>api-key</c>), or null for an open server.</summary>
    public string? ApiKey { get; init; }

    /// <summary>
    /// Against a cluster: keep each collection's shard map (read from the node the client was given, and read again
    /// when a node reports a newer version) and send calls that touch one shard — an upsert whose points all go to one
    /// shard, a search pinned by the shard key — straight to the node that holds it, saving a hop. Everything else goes
    /// to the given node, which routes it. Against a server that runs alone it changes nothing. Default false.
    /// </summary>
    public bool ClusterAware { get; init; }
}
