namespace VectorEngine.Sharding.Routing;

/// <summary>
/// A write over several shards reached some and not others. Each shard's part was applied whole or not at all; the
/// whole write is safe to retry (upserts are idempotent by id, deletes by id or filter are too).
/// </summary>
public sealed class ShardWriteException : VectorEngineException
{
    /// <summary>Creates the error.</summary>
    /// <param name="collection">The collection written to.</param>
    /// <param name="applied">Shards whose part was applied.</param>
    /// <param name="failed">Shards whose part was not, with why.</param>
    public ShardWriteException(string collection, IReadOnlyList<int> applied, IReadOnlyDictionary<int, string> failed)
        : base(VectorEngineErrorKind.Unavailable, Describe(collection, applied, failed))
    {
        Applied = applied;
        Failed = failed;
    }

    /// <summary>Shards whose part was applied.</summary>
    public IReadOnlyList<int> Applied { get; }

    /// <summary>Shards whose part was not applied, with the reason.</summary>
    public IReadOnlyDictionary<int, string> Failed { get; }

    private static string Describe(string collection, IReadOnlyList<int> applied, IReadOnlyDictionary<int, string> failed) =>
        $"Write to '{collection}' failed on shard(s) {string.Join(", ", failed.Keys.Order())} ({string.Join("; ", failed.Values.Distinct())})"
        + (applied.Count > 0 ? $"; applied on shard(s) {string.Join(", ", applied.Order())}" : "; applied on no shard")
        + ". Each shard's part is whole or absent: retrying the whole write is safe.";
}
