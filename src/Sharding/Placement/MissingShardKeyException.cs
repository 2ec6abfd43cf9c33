namespace VectorEngine.Sharding.Placement;

/// <summary>A point written to a collection sharded by a payload field does not carry that field.</summary>
public sealed class MissingShardKeyException : VectorEngineArgumentException
{
    /// <summary>Creates the error.</summary>
    /// <param name="collection">The collection.</param>
    /// <param name="field">The shard-key field.</param>
    /// <param name="id">The point without it.</param>
    public MissingShardKeyException(string collection, string field, PointId id)
        : base($"Point {id} has no value for '{field}', the shard key of collection '{collection}'; nothing was written.", "payload")
    {
        Field = field;
    }

    /// <summary>The shard-key field the point lacks.</summary>
    public string Field { get; }
}
