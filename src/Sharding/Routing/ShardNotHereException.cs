namespace VectorEngine.Sharding.Routing;

/// <summary>A peer asked this node for a shard the shard map does not place here (its map is older or newer than ours).</summary>
public sealed class ShardNotHereException : VectorEngineException
{
    /// <summary>Creates the error.</summary>
    public ShardNotHereException(string collection, int shard, string node)
        : base(VectorEngineErrorKind.Unavailable, $"Shard {shard} of collection '{collection}' is not held by node '{node}' (shard maps differ); retry after the map refreshes.")
    {
    }
}
