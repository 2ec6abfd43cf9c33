using System.Security.Cryptography;
using VectorEngine.S3;
using VectorEngine.Tests.TestKit;
using VectorEngine.Tiers.Tests.Support;

namespace VectorEngine.Tiers.Tests;

/// <summary>The S3 store against a real S3-compatible server over loopback, alone and under a database's cold tier.</summary>
public sealed class S3ObjectStoreTests(S3rverProcess server) : IClassFixture<S3rverProcess>
{
    [Fact]
    public async Task Objects_round_trip_byte_for_byte_list_by_prefix_and_delete()
    {
        using S3ObjectStore store = server.Store("db-a/");
        byte[] large = RandomNumberGenerator.GetBytes((5 << 20) + 123);
        await store.PutAsync("segments/c/00000001-a.tar", new MemoryStream(large));
        await store.PutAsync("segments/c/00000002-b.tar", new MemoryStream([1, 2, 3]));
        await store.PutAsync("segments/other/00000001-c.tar", new MemoryStream([4]));

        var copy = new MemoryStream();
        await store.GetAsync("segments/c/00000001-a.tar", copy);
        Assert.Equal(SHA256.HashData(large), SHA256.HashData(copy.ToArray()));

        Assert.Equal(["segments/c/00000001-a.tar", "segments/c/00000002-b.tar"], (await store.ListAsync("segments/c/").ToListAsync()).Order());

        // Another prefix in the same bucket is another database: it sees nothing of this one.
        using S3ObjectStore other = server.Store("db-b/");
        Assert.Empty(await other.ListAsync("").ToListAsync());

        await store.DeleteAsync("segments/c/00000002-b.tar");
        await store.DeleteAsync("segments/c/00000002-b.tar");
        Assert.Equal(["segments/c/00000001-a.tar"], await store.ListAsync("segments/c/").ToListAsync());
        await Assert.ThrowsAsync<FileNotFoundException>(() => store.GetAsync("segments/c/00000002-b.tar", new MemoryStream()));
        await Assert.ThrowsAsync<VectorEngineArgumentException>(() => store.PutAsync("../escape", new MemoryStream([1])));
    }

    [Fact]
    public void Bad_options_are_refused_with_the_setting_named()
    {
        Assert.Equal("Bucket", Assert.Throws<VectorEngineArgumentException>(() => new S3ObjectStore(new S3ObjectStoreOptions())).ParamName);
        Assert.Equal("Prefix", Assert.Throws<VectorEngineArgumentException>(() => new S3ObjectStore(new S3ObjectStoreOptions { Bucket = "b", Prefix = "no-slash" })).ParamName);
        Assert.Equal("AccessKey", Assert.Throws<VectorEngineArgumentException>(() => new S3ObjectStore(new S3ObjectStoreOptions { Bucket = "b", AccessKey = "k" })).ParamName);
    }

    [Fact]
    public async Task A_database_keeps_cold_segments_in_the_bucket_and_detects_an_object_damaged_there()
    {
        string prefix = $"db-{Guid.NewGuid():N}/";
        using S3ObjectStore store = server.Store(prefix);
        using var db = new TieredDatabase(o => o.ObjectStore = store);
        Collection collection = db.Create("c", 1300, TierMovesTests.HnswOptionsSpec(quantized: true));
        float[] query = Data.RandomVectors(8, 1, TieredDatabase.Dim)[0];
        SearchResults hot = collection.Search(query, 10);
        int[] ids = [.. collection.GetSegmentTiers().Select(s => s.SegmentId)];
        collection.MoveSegment(ids[0], SegmentTier.Cold);
        collection.MoveSegment(ids[1], SegmentTier.Cold);
        Assert.Equal(2, (await store.ListAsync("segments/c/").ToListAsync()).Count);
        Assert.Empty(db.ObjectKeys());

        // The first search brings both back from the bucket, checked, and answers as before; the bucket is emptied.
        Assert.Equal(hot.Select(h => (h.Id, h.Score)), collection.Search(query, 10).Select(h => (h.Id, h.Score)));
        Assert.Empty(await store.ListAsync("segments/c/").ToListAsync());

        // Damage an archive inside the server's own files: the fetch fails its check twice and is reported.
        collection.MoveSegment(ids[0], SegmentTier.Cold);
        string content = Directory.GetFiles(server.DataPath, "*", SearchOption.AllDirectories)
            .Single(f => f.Contains(prefix.TrimEnd('/'), StringComparison.Ordinal) && f.EndsWith("._S3rver_object", StringComparison.Ordinal));
        byte[] bytes = File.ReadAllBytes(content);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(content, bytes);
        Assert.Throws<DataCorruptionException>(() => collection.Search(query, 10));
        Assert.Equal(SegmentTier.Cold, collection.GetSegmentTiers().Single(s => s.SegmentId == ids[0]).Tier);
    }
}
