using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tiers.Tests;

/// <summary>
/// The folder store's listing: exactly the keys that start with the prefix (walking only the prefix's folder), and
/// answered without suspending, because a collection's synchronous open lists through it on a thread-pool thread.
/// </summary>
public sealed class LocalDirectoryObjectStoreTests
{
    private static readonly string[] Names = ["a", "ab", "b", "seg-1.tar"];

    /// <summary>Whatever keys are stored and whatever prefix is asked (a key's start, a name cut short, or none), the listing is the prefix filter.</summary>
    [Property(MaxTest = 100)]
    public Property Listing_is_every_stored_key_that_starts_with_the_prefix()
    {
        Gen<string> key =
            from depth in Gen.Choose(1, 3)
            from parts in Gen.ArrayOf(Gen.Elements(Names), depth)
            select string.Join('/', parts);
        Gen<(string[], string)> cases =
            from count in Gen.Choose(0, 8)
            from keys in Gen.ArrayOf(key, count)
            from source in Gen.OneOf(Gen.Elements(keys.Append("a/b").ToArray()), key)
            from cut in Gen.Choose(0, source.Length)
            select (keys.Distinct().Where(k => keys.All(other => !other.StartsWith(k + "/", StringComparison.Ordinal))).ToArray(), source[..cut]);
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            (string[] keys, string prefix) = c;
            using var root = new TempDirectory(Path.GetTempPath());
            var store = new LocalDirectoryObjectStore(root.Path);
            foreach (string k in keys)
            {
                store.PutAsync(k, new MemoryStream([1, 2, 3])).GetAwaiter().GetResult();
            }

            string[] listed = [.. ListNow(store, prefix).Order(StringComparer.Ordinal)];
            string[] expected = [.. keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
            return listed.SequenceEqual(expected);
        });
    }

    [Fact]
    public async Task A_temporary_upload_and_a_prefix_with_dot_names_list_nothing_extra()
    {
        using var root = new TempDirectory(Path.GetTempPath());
        var store = new LocalDirectoryObjectStore(root.Path);
        await store.PutAsync("segments/c/00000001-x.tar", new MemoryStream([1]));
        Directory.CreateDirectory(Path.Combine(root.Path, "segments", "c"));
        await File.WriteAllBytesAsync(Path.Combine(root.Path, "segments", "c", "00000002-y.tar.partial"), [2]);

        Assert.Equal(["segments/c/00000001-x.tar"], ListNow(store, "segments/c/"));
        Assert.Empty(ListNow(store, "segments/../segments/c/"));
        Assert.Empty(ListNow(store, "segments/none/"));
    }

    /// <summary>Lists through the async enumerator, failing if any step would have to wait.</summary>
    private static List<string> ListNow(IObjectStore store, string prefix)
    {
        var keys = new List<string>();
        IAsyncEnumerator<string> items = store.ListAsync(prefix).GetAsyncEnumerator();
        while (true)
        {
            ValueTask<bool> next = items.MoveNextAsync();
            Assert.True(next.IsCompleted, "the listing suspended");
            if (!next.Result)
            {
                break;
            }

            keys.Add(items.Current);
        }

        Assert.True(items.DisposeAsync().IsCompleted);
        return keys;
    }
}
