using System.Globalization;

namespace VectorEngine.Sharding.Routing;

/// <summary>
/// A shard is an ordinary local collection named <c>COLLECTION--INCARNATION-sN</c> (the incarnation in base 36), so it
/// gets the engine's WAL, segments, indexes, snapshots and recovery unchanged, and the shards of a collection that was
/// dropped and created again under the same name never mix with the new one's. Cluster collection names are at most
/// 40 characters so every shard name fits the engine's 64.
/// </summary>
public static class ShardNames
{
    /// <summary>The longest cluster collection name.</summary>
    public const int MaxCollectionName = 40;

    private const string Separator = "--";
    private const string Digits = "0123456789abcdefghijklmnopqrstuvwxyz";

    /// <summary>The local collection that holds <paramref name="shard"/> of one incarnation of <paramref name="collection"/>.</summary>
    public static string Local(string collection, long incarnation, int shard) =>
        collection + Separator + Base36(incarnation) + "-s" + shard.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads a local collection name back; false for a name that is no shard's.</summary>
    public static bool TryParse(string local, out string collection, out long incarnation, out int shard)
    {
        collection = string.Empty;
        incarnation = 0;
        shard = -1;
        int at = local.LastIndexOf(Separator, StringComparison.Ordinal);
        int s = local.LastIndexOf("-s", StringComparison.Ordinal);
        if (at <= 0 || s <= at + Separator.Length || !int.TryParse(local.AsSpan(s + 2), NumberStyles.None, CultureInfo.InvariantCulture, out shard))
        {
            return false;
        }

        foreach (char c in local.AsSpan(at + Separator.Length, s - at - Separator.Length))
        {
            int digit = Digits.IndexOf(c, StringComparison.Ordinal);
            if (digit < 0)
            {
                return false;
            }

            incarnation = incarnation * 36 + digit;
        }

        collection = local[..at];
        return true;
    }

    /// <summary>Checks a cluster collection name: the engine's rules, at most 40 characters, no "--" (kept for shard names).</summary>
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

    private static string Base36(long value)
    {
        if (value <= 0)
        {
            return "0";
        }

        Span<char> buffer = stackalloc char[13];
        int at = buffer.Length;
        for (; value > 0; value /= 36)
        {
            buffer[--at] = Digits[(int)(value % 36)];
        }

        return new string(buffer[at..]);
    }
}
