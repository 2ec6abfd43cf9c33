namespace VectorEngine.Sharding.Coordination;

/// <summary>How many copies a cluster collection keeps of each shard, and how many must have a write to acknowledge it.</summary>
/// <param name="Factor">Copies per shard, on distinct nodes (the primary included).</param>
/// <param name="WriteConsistency">
/// Copies, the primary included, that must hold a write durably before the call returns. With a majority (the
/// default), every acknowledged write survives the loss of any minority of copies.
/// </param>
public sealed record ReplicationSettings(int Factor, int WriteConsistency)
{
    /// <summary>One copy: no replication.</summary>
    public static ReplicationSettings Single { get; } = new(1, 1);

    /// <summary>
    /// Settings for a new collection, checked: the factor defaults to 2 when two or more nodes are live (else 1) and
    /// may not exceed the live nodes; write consistency defaults to a majority of the factor.
    /// </summary>
    /// <exception cref="VectorEngineArgumentException">A factor or write consistency out of range.</exception>
    public static ReplicationSettings Resolve(int? factor, int? writeConsistency, int liveNodes)
    {
        int copies = factor ?? (liveNodes >= 2 ? 2 : 1);
        if (copies < 1 || copies > Math.Max(1, liveNodes))
        {
            throw new VectorEngineArgumentException(
                $"replication_factor must be 1 to the live node count ({liveNodes}); got {copies}.", "replication_factor");
        }

        int needed = writeConsistency ?? (copies / 2) + 1;
        if (needed < 1 || needed > copies)
        {
            throw new VectorEngineArgumentException($"write_consistency must be 1 to replication_factor ({copies}); got {needed}.", "write_consistency");
        }

        return new ReplicationSettings(copies, needed);
    }

    /// <summary>
    /// How many copies a new primary must hear from before it is chosen: enough that every set of
    /// <see cref="WriteConsistency"/> copies (every acknowledged write) meets at least one of them.
    /// </summary>
    public int PromotionQuorum => Factor - WriteConsistency + 1;
}
