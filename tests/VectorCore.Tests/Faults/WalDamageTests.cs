using VectorEngine.Tests.Collections;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests.Faults;

/// <summary>
/// Only a torn WAL tail may be cut. Damage before acknowledged records, or an unknown version, keeps the collection
/// closed with its files untouched (the others open), until the loss is accepted explicitly.
/// </summary>
public sealed class WalDamageTests
{
    [Fact]
    public void Damage_before_acknowledged_records_keeps_the_collection_closed_and_its_files_untouched()
    {
        using var t = new TestDatabase();
        WriteBatches(t.Db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2)), batches: 5);
        WriteBatches(t.Db.CreateCollection("other", new CollectionOptions(4, DistanceMetric.L2)), batches: 2);
        t.Db.Dispose();

        string wal = NewestWal(t.Path, "c");
        byte[] bytes = File.ReadAllBytes(wal);
        int secondRecord = SecondRecordOffset(bytes);
        bytes[secondRecord + 20] ^= 0x40;
        File.WriteAllBytes(wal, bytes);

        t.Reopen();
        Assert.Equal(20, t.Db.GetCollection("other").Count());
        WalDamagedException damaged = Assert.IsType<WalDamagedException>(t.Db.UnavailableCollections["c"]);
        Assert.Equal(secondRecord, damaged.Offset);
        Assert.Contains("RecoverDamagedCollection", damaged.Message);
        Assert.Throws<WalDamagedException>(() => t.Db.GetCollection("c"));
        Assert.Equal(bytes, File.ReadAllBytes(wal));
        Assert.DoesNotContain("c", t.Db.ListCollections());

        // Only an unavailable collection can be recovered this way; asking for another changes nothing.
        Assert.Throws<CollectionNotFoundException>(() => t.Db.RecoverDamagedCollection("other"));
        Assert.Throws<CollectionNotFoundException>(() => t.Db.RecoverDamagedCollection("missing"));
        Assert.Throws<CollectionNotFoundException>(() => t.Db.RecoverDamagedCollection(null!));
        Assert.Equal(bytes, File.ReadAllBytes(wal));
        Assert.Equal(20, t.Db.GetCollection("other").Count());

        // Accepting the loss keeps a copy of the damaged file and opens with the records before the damage.
        Collection recovered = t.Db.RecoverDamagedCollection("c");
        Assert.Equal(10, recovered.Count());
        string copy = Assert.Single(Directory.GetFiles(Path.GetDirectoryName(wal)!, "*.damaged-*"));
        Assert.Equal(bytes, File.ReadAllBytes(copy));
        Assert.Empty(t.Db.UnavailableCollections);
        recovered.Upsert(new Point(999UL, [1, 2, 3, 4]));
        t.Reopen();
        Assert.Equal(11, t.Db.GetCollection("c").Count());
    }

    [Fact]
    public void An_unknown_wal_version_keeps_the_collection_closed()
    {
        using var t = new TestDatabase();
        WriteBatches(t.Db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2)), batches: 2);
        t.Db.Dispose();
        string wal = NewestWal(t.Path, "c");
        byte[] bytes = File.ReadAllBytes(wal);
        bytes[8] = 99; // the header's version field
        File.WriteAllBytes(wal, bytes);

        t.Reopen();
        Assert.Contains("unknown format version 99", t.Db.UnavailableCollections["c"].Message);
        Assert.Equal(bytes, File.ReadAllBytes(wal));
    }

    [Fact]
    public void A_torn_tail_is_cut_and_the_collection_opens_with_every_whole_record()
    {
        using var t = new TestDatabase();
        WriteBatches(t.Db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2)), batches: 3);
        t.Db.Dispose();
        string wal = NewestWal(t.Path, "c");
        long length = new FileInfo(wal).Length;
        using (var f = new FileStream(wal, FileMode.Open))
        {
            f.SetLength(length - 7);
        }

        t.Reopen();
        Assert.Empty(t.Db.UnavailableCollections);
        Assert.Equal(20, t.Db.GetCollection("c").Count());
    }

    private static void WriteBatches(Collection collection, int batches)
    {
        for (int b = 0; b < batches; b++)
        {
            collection.Upsert(Enumerable.Range(b * 10, 10).Select(i => new Point((ulong)i + 1, [i, 1, 2, 3])).ToList());
        }
    }

    private static string NewestWal(string db, string collection) =>
        Directory.GetFiles(Path.Combine(db, "collections", collection, "wal"), "*.wal").Where(f => new FileInfo(f).Length > 32).Order().Last();

    private static int SecondRecordOffset(byte[] wal)
    {
        int first = 32;
        int length = BitConverter.ToInt32(wal, first);
        return first + 16 + length;
    }
}
