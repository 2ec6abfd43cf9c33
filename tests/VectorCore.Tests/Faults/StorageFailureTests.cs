using VectorEngine.FaultInjection;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests.Faults;

/// <summary>A failed fsync or write stops the collection's writes (PostgreSQL's answer to fsyncgate); it never stops the process.</summary>
public sealed class StorageFailureTests
{
    [Fact]
    public void A_failed_fsync_stops_writes_and_the_failed_write_is_never_visible()
    {
        using TempDirectory dir = Data.TempDir();
        var fs = new FaultInjectingFileSystem(dir.Path, new Fault(FaultKind.None, 0), seed: 1);
        var db = VectorDatabase.Open(Path.Combine(dir.Path, "db"), new VectorDatabaseOptions { FileSystem = fs, EnableBackgroundOptimizer = false });
        Collection c = db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2));
        c.Upsert(new Point(1UL, [1, 0, 0, 0]));

        fs.Arm(FaultKind.FailFileSync);
        var failure = Assert.Throws<StorageFailureException>(() => c.Upsert(new Point(2UL, [0, 1, 0, 0])));
        Assert.Contains("Reopen", failure.Message);
        Assert.Empty(c.Get([(PointId)2UL]));
        Assert.NotNull(c.StorageFailure);

        // Healthy storage again, yet no write is taken until the collection is recovered: the lost pages are not trusted.
        Assert.Throws<StorageFailureException>(() => c.Upsert(new Point(3UL, [0, 0, 1, 0])));
        Assert.Throws<StorageFailureException>(() => c.Delete([(PointId)1UL]));
        Assert.Throws<StorageFailureException>(c.Checkpoint);
        Assert.Equal(1UL, c.Search(new SearchRequest([1, 0, 0, 0], 1))[0].Id.Number);

        // A power loss drops what the failed fsync lost; the acknowledged write is there, the failed ones are not.
        fs.CrashNow();
        db.Dispose();
        fs.RestoreDurableState();
        using var reopened = VectorDatabase.Open(Path.Combine(dir.Path, "db"), new VectorDatabaseOptions { FileSystem = new FaultInjectingFileSystem(dir.Path, new Fault(FaultKind.None, 0), 2) });
        Collection again = reopened.GetCollection("c");
        Assert.Equal([1UL], again.Get([1UL, 2UL, 3UL]).Select(p => p.Id.Number));
        again.Upsert(new Point(4UL, [0, 0, 0, 1]));
        Assert.Null(again.StorageFailure);
    }

    [Fact]
    public void A_failed_background_fsync_in_interval_mode_stops_the_collection_not_the_process()
    {
        using TempDirectory dir = Data.TempDir();
        var fs = new FaultInjectingFileSystem(dir.Path, new Fault(FaultKind.None, 0), seed: 1);
        using var db = VectorDatabase.Open(Path.Combine(dir.Path, "db"), new VectorDatabaseOptions
        {
            FileSystem = fs,
            EnableBackgroundOptimizer = false,
            WalSyncMode = WalSyncMode.Interval,
            WalSyncInterval = TimeSpan.FromMilliseconds(20),
        });
        Collection c = db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2));
        fs.Arm(FaultKind.FailFileSync);
        c.Upsert(new Point(1UL, [1, 0, 0, 0]));
        for (int i = 0; i < 250 && c.StorageFailure is null; i++)
        {
            Thread.Sleep(20);
        }

        Assert.NotNull(c.StorageFailure);
        Assert.Throws<StorageFailureException>(() => c.Upsert(new Point(2UL, [0, 1, 0, 0])));
    }

    [Fact]
    public void A_failed_seal_keeps_the_frozen_segment_searchable_and_the_write_that_triggered_it_succeeds()
    {
        using TempDirectory dir = Data.TempDir();
        var fs = new FaultInjectingFileSystem(dir.Path, new Fault(FaultKind.None, 0), seed: 1);
        string path = Path.Combine(dir.Path, "db");
        var options = new VectorDatabaseOptions { FileSystem = fs, EnableBackgroundOptimizer = false, MaxMutableSegmentPoints = 10 };
        var db = VectorDatabase.Open(path, options);
        Collection c = db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2));
        c.Upsert(Enumerable.Range(1, 5).Select(i => new Point((ulong)i, [i, 0, 0, 0])).ToList());

        // The WAL append and fsync rename nothing; the seal's first rename (points.bin) fails.
        fs.Arm(FaultKind.FailRename);
        c.Upsert(Enumerable.Range(6, 5).Select(i => new Point((ulong)i, [i, 0, 0, 0])).ToList());
        Assert.NotNull(fs.Fired);
        Assert.Null(c.StorageFailure);

        // The frozen segment stays in memory, searched exactly, beside a new mutable one; no sealed folder is left.
        Assert.Equal(2, c.GetInfo().SegmentCount);
        Assert.Equal(10, c.Search([10, 0, 0, 0], 10).Count);
        Assert.Empty(Directory.GetDirectories(Path.Combine(path, "collections", "c", "segments")));

        // Nothing is stuck: an explicit checkpoint seals, and every point survives a reopen.
        c.Checkpoint();
        Assert.Equal(2, c.GetInfo().SegmentCount);
        c.Upsert(new Point(11UL, [11, 0, 0, 0]));
        db.Dispose();
        using var reopened = VectorDatabase.Open(path, new VectorDatabaseOptions { FileSystem = new FaultInjectingFileSystem(dir.Path, new Fault(FaultKind.None, 0), 2) });
        Assert.Equal(11, reopened.GetCollection("c").Count());
    }
}
