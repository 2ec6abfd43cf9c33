using System.Formats.Tar;
using VectorEngine.FaultInjection;
using VectorEngine.Storage;
using VectorEngine.Tests.Collections;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests.Faults;

/// <summary>Drop, restore and folder fsyncs: each one durable step, each failing loudly rather than silently.</summary>
public sealed class CollectionLifecycleTests
{
    [Fact]
    public void Dropping_a_collection_after_a_restart_removes_it_for_good()
    {
        using var t = new TestDatabase();
        t.Db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2)).Upsert(new Point(1UL, [1, 2, 3, 4]));
        t.Reopen(); // the open removes .staging, which drop then needs again
        t.Db.DropCollection("c");
        Assert.Empty(t.Db.ListCollections());
        t.Reopen();
        Assert.Empty(t.Db.ListCollections());
        Assert.Empty(t.Db.UnavailableCollections);
        t.Db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2));
    }

    [Fact]
    public void A_restored_collection_survives_a_power_loss_right_after_the_restore_returns()
    {
        using TempDirectory dir = Data.TempDir();
        string path = Path.Combine(dir.Path, "db");
        var fs = new FaultInjectingFileSystem(dir.Path, new Fault(FaultKind.None, 0), seed: 1);
        var db = VectorDatabase.Open(path, new VectorDatabaseOptions { FileSystem = fs, EnableBackgroundOptimizer = false });
        Collection c = db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2));
        c.Upsert(Enumerable.Range(1, 30).Select(i => new Point((ulong)i, [i, 1, 2, 3], new Payload { ["n"] = i })).ToList());
        string archive = Path.Combine(dir.Path, "c.snapshot");
        c.CreateSnapshot(archive);
        db.RestoreSnapshot(archive, "restored");

        fs.CrashNow();
        db.Dispose();
        fs.RestoreDurableState();
        using var reopened = VectorDatabase.Open(path, new VectorDatabaseOptions { FileSystem = new FaultInjectingFileSystem(dir.Path, new Fault(FaultKind.None, 0), 2) });
        Assert.Empty(reopened.UnavailableCollections);
        Assert.Equal(30, reopened.GetCollection("restored").Count());
        Assert.True(File.Exists(archive), "the archive itself was made durable too");
    }

    [Theory]
    [InlineData("segments/00000001/hnsw.graph", TarEntryType.RegularFile)]
    [InlineData("segments/00000001/ivf.index", TarEntryType.RegularFile)]
    [InlineData("../escape.json", TarEntryType.RegularFile)]
    [InlineData("segments/00000001/points.bin", TarEntryType.SymbolicLink)]
    [InlineData("segments/deep/deeper/vectors.bin", TarEntryType.RegularFile)]
    public void A_crafted_snapshot_archive_is_refused_and_leaves_nothing_behind(string entry, TarEntryType type)
    {
        using var t = new TestDatabase();
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2));
        c.Upsert(new Point(1UL, [1, 2, 3, 4]));
        string archive = Path.Combine(t.Path, "..", Guid.NewGuid().ToString("N") + ".snapshot");
        c.CreateSnapshot(archive);
        string crafted = archive + ".crafted";
        using (FileStream output = File.Create(crafted))
        using (var writer = new TarWriter(output))
        using (FileStream input = File.OpenRead(archive))
        using (var reader = new TarReader(input))
        {
            while (reader.GetNextEntry() is { } original)
            {
                writer.WriteEntry(original);
            }

            var extra = new PaxTarEntry(type, entry);
            if (type == TarEntryType.SymbolicLink)
            {
                extra.LinkName = "/etc/passwd";
            }
            else
            {
                extra.DataStream = new MemoryStream(new byte[64]);
            }

            writer.WriteEntry(extra);
        }

        var error = Assert.Throws<DataCorruptionException>(() => t.Db.RestoreSnapshot(crafted, "evil"));
        Assert.DoesNotContain(Path.GetDirectoryName(Path.GetFullPath(crafted))!, error.Message);
        Assert.Equal(["c"], t.Db.ListCollections());
        Assert.False(Directory.Exists(Path.Combine(t.Path, "collections", "evil")));
        Assert.Empty(Directory.Exists(Path.Combine(t.Path, ".staging")) ? Directory.GetFileSystemEntries(Path.Combine(t.Path, ".staging")) : []);
        File.Delete(archive);
        File.Delete(crafted);
    }

    [Fact]
    public void A_folder_fsync_that_fails_raises_instead_of_passing_silently()
    {
        using TempDirectory dir = Data.TempDir();
        LocalFileSystem.Instance.SyncDirectory(dir.Path);
        IOException error = Assert.ThrowsAny<IOException>(() => LocalFileSystem.Instance.SyncDirectory(Path.Combine(dir.Path, "missing")));
        Assert.DoesNotContain(dir.Path, error.Message);
    }

    [Fact]
    public void A_collection_whose_files_are_unreadable_is_skipped_and_reported()
    {
        using var t = new TestDatabase();
        t.Db.CreateCollection("broken", new CollectionOptions(4, DistanceMetric.L2)).Upsert(new Point(1UL, [1, 2, 3, 4]));
        t.Db.CreateCollection("fine", new CollectionOptions(4, DistanceMetric.L2)).Upsert(new Point(1UL, [1, 2, 3, 4]));
        t.Db.Dispose();
        File.WriteAllText(Path.Combine(t.Path, "collections", "broken", "manifest.json"), "{ not json");

        t.Reopen();
        Assert.Equal(["fine"], t.Db.ListCollections());
        Assert.IsType<DataCorruptionException>(t.Db.UnavailableCollections["broken"]);
        Assert.Throws<DataCorruptionException>(() => t.Db.GetCollection("broken"));
        Assert.Throws<CollectionAlreadyExistsException>(() => t.Db.CreateCollection("broken", new CollectionOptions(4, DistanceMetric.L2)));

        // An operator may drop it.
        t.Db.DropCollection("broken");
        Assert.Empty(t.Db.UnavailableCollections);
    }

    [Fact]
    public void Bit_rot_in_a_vector_file_is_found_after_an_open_and_refused_in_a_restore()
    {
        using var t = new TestDatabase();
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(16, DistanceMetric.L2));
        c.Upsert(Data.RandomVectors(4, 200, 16).Select((v, i) => new Point((ulong)i, v)).ToList());
        c.Checkpoint();
        string archive = Path.Combine(t.Path, "..", Guid.NewGuid().ToString("N") + ".snapshot");
        c.CreateSnapshot(archive);
        t.Db.Dispose();

        string vectors = Directory.GetFiles(Path.Combine(t.Path, "collections", "c", "segments"), "vectors.bin", SearchOption.AllDirectories).Single();
        byte[] bytes = File.ReadAllBytes(vectors);
        bytes[64 + (57 * 16 * 4) + 3] ^= 0x01; // one bit of row 57
        File.WriteAllBytes(vectors, bytes);

        t.Reopen();
        Collection reopened = t.Db.GetCollection("c");
        Assert.True(reopened.WaitForVerification(TimeSpan.FromSeconds(30)));
        Assert.Contains("fails its checksum", reopened.DetectedCorruption?.Message);

        // The same flip inside a snapshot archive: the restore refuses it.
        byte[] tar = File.ReadAllBytes(archive);
        int at = IndexOf(tar, "VEVECTRS"u8) + 64 + (57 * 16 * 4) + 3;
        tar[at] ^= 0x01;
        File.WriteAllBytes(archive, tar);
        Assert.Contains("checksum", Assert.Throws<DataCorruptionException>(() => t.Db.RestoreSnapshot(archive, "copy")).Message);
        Assert.Equal(["c"], t.Db.ListCollections());
        File.Delete(archive);
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);
}
