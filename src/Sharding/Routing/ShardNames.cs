using System.Globalization;

namespace VectorEngine.Sharding.Routing;

/// <summary>
/// A shard is an ordinary local collection named <c>COLLECTION--sN</c>, so it gets the engine's WAL, segments, indexes,
/// snapshots and recovery unchanged. Cluster collection names are at most 57 characters so every shard name fits the
/// engine's 64.
/// </summary>
public static class ShardNames
{
    /// <summary>The longest cluster collection name.</summary>
    public const int MaxCollectionName = 57;

    private const string Separator = "--s";

    /// <summary>The local collection that holds <paramref name="shard"/> of <paramref name="collection"/>.</summary>
    public static string Local(string collection, int shard) => collection + Separator + shard.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads a local collection name back as (collection, shard); false for a name that is no shard's.</summary>
    public static bool TryParse(string local, out string collection, out int shard)
    {
        int at = local.LastIndexOf(Separator, StringComparison.Ordinal);
        collection = at > 0 ? local[..at] : string.Empty;
        shard = -1;
        return at > 0 && int.TryParse(local.AsSpan(at + Separator.Length), NumberStyles.None, CultureInfo.InvariantCulture, out shard);
    }

    /// <summary>Checks a cluster collection name: the engine's rules, a length that leaves room for the shard suffix, no "--s".</summary>
    /// <exception cref="VectorEngineArgumentException">The name breaks one of them.</exception>
    public static void Validate(string collection)
    {
        CollectionOptions.ValidateName(collection);
        if (collection.Length > MaxCollectionName || collection.Contains(Separator, StringComparison.Ordinal))
        {
            throw new VectorEngineArgumentException(
                $"A cluster collection name has at most {MaxCollectionName} characters and no '{Separator}' (kept for shard names); got '{collection}'.", "collection_name");
        }
    }
}
