using System.Globalization;
using System.Text.RegularExpressions;

namespace VectorEngine.Tiers;

/// <summary>The keys cold segments are stored under, and the check every store applies to a key.</summary>
public static partial class ObjectKeys
{
    /// <summary>Throws unless <paramref name="key"/> is 1 to 512 characters of '/'-separated names of letters, digits, '-', '_' and '.' (no "." or ".." names).</summary>
    /// <param name="key">The key.</param>
    /// <exception cref="VectorEngineArgumentException">The key is not one the engine would write.</exception>
    public static void Validate(string key)
    {
        if (key is null || key.Length is 0 or > 512 || !KeyPattern().IsMatch(key) || key.Split('/').Any(part => part is "." or ".."))
        {
            throw new VectorEngineArgumentException($"Invalid object key '{key}'.", "key");
        }
    }

    /// <summary>The prefix of every object of <paramref name="collection"/>.</summary>
    internal static string CollectionPrefix(string collection) => $"segments/{collection}/";

    /// <summary>A new, never reused key for segment <paramref name="segmentId"/>'s archive.</summary>
    internal static string NewSegmentKey(string collection, int segmentId) =>
        string.Create(CultureInfo.InvariantCulture, $"{CollectionPrefix(collection)}{segmentId:D8}-{Guid.NewGuid():N}.tar");

    /// <summary>Every key under <paramref name="prefix"/>, listed to the end (for the engine's synchronous sweeps).</summary>
    internal static List<string> ListAll(IObjectStore store, string prefix)
    {
        var keys = new List<string>();
        IAsyncEnumerator<string> items = store.ListAsync(prefix).GetAsyncEnumerator();
        try
        {
            while (items.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                keys.Add(items.Current);
            }
        }
        finally
        {
            items.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        return keys;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")]
    private static partial Regex KeyPattern();
}
