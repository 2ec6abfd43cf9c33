using VectorEngine.Filters;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests.Collections;

public sealed class DurabilityTests
{
    [Fact]
    public void Reopen_replays_the_wal_and_loads_sealed_segments()
    {
        using var t = new TestDatabase(o => o.MaxMutableSegmentPoints = 100);
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(8, DistanceMetric.L2) { PayloadIndexes = { ["g"] = PayloadIndexType.Keyword } });
        float[][] vectors = Data.RandomVectors(11, 350, 8);
        foreach (Point[] batch in vectors.Select((v, i) => new Point((ulong)i, v, new Payload { ["g"] = $"g{i % 5}" })).Chunk(50))
        {
            c.Upsert(batch);
        }

        c.Delete(Enumerable.Range(0, 350).Where(i => i % 7 == 0).Select(i => (PointId)(ulong)i));
        float[] query = vectors[3];
        var before = c.Search(new SearchRequest(query, 20) { Filter = new Filter { Must = { Condition.Match("g", "g3") } } });
        CollectionInfo info = c.GetInfo();
        Assert.True(info.SealedSegmentCount >= 3);

        t.Reopen();
        Collection reopened = t.Db.GetCollection("c");
        Assert.Equal(350 - 50, reopened.Count());
        var after = reopened.Search(new SearchRequest(query, 20) { Filter = new Filter { Must = { Condition.Match("g", "g3") } } });
        Assert.Equal(before.Select(h => (h.Id, h.Score)), after.Select(h => (h.Id, h.Score)));
        Assert.Empty(reopened.Get([(PointId)7UL]));
    }

    [Fact]
    public void Checkpoint_then_reopen_replays_nothing_and_keeps_everything()
    {
        using var t = new TestDatabase();
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.InnerProduct));
        c.Upsert(Enumerable.Range(0, 50).Select(i => new Point((ulong)i, [i, 1, 2, 3])).ToList());
        c.Checkpoint();
        c.Delete([(PointId)1UL]);
        c.Checkpoint();
        t.Reopen();
        Collection r = t.Db.GetCollection("c");
        Assert.Equal(49, r.Count());
        Assert.Equal(49UL, r.Search([1, 0, 0, 0], 1).Single().Id.Number);
    }

    [Fact]
    public void A_torn_or_corrupt_wal_tail_is_truncated_and_earlier_writes_survive()
    {
        using var t = new TestDatabase();
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2));
        for (int i = 0; i < 10; i++)
        {
            c.Upsert(new Point((ulong)i, [i, 0, 0, 0]));
        }

        string wal = Directory.GetFiles(Path.Combine(t.Path, "collections", "c", "wal")).Single();
        t.Db.Dispose();
        long length = new FileInfo(wal).Length;

        // Tear the last record in half: the first nine survive.
        using (var f = new FileStream(wal, FileMode.Open))
        {
            f.SetLength(length - 10);
        }

        t.Reopen();
        Assert.Equal(9, t.Db.GetCollection("c").Count());

        // Garbage after the valid records is dropped too, and writes continue after it.
        t.Db.Dispose();
        File.AppendAllText(wal, "this is not a record");
        t.Reopen();
        Collection r = t.Db.GetCollection("c");
        Assert.Equal(9, r.Count());
        r.Upsert(new Point(100UL, [1, 2, 3, 4]));
        t.Reopen();
        Assert.Equal(10, t.Db.GetCollection("c").Count());
    }

    [Fact]
    public void Optimizer_merges_segments_drops_deleted_points_and_keeps_results()
    {
        using var t = new TestDatabase(o =>
        {
            o.MaxMutableSegmentPoints = 200;
            o.OptimizerSmallSegmentPoints = 1000;
        });
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(8, DistanceMetric.L2));
        float[][] vectors = Data.RandomVectors(21, 1000, 8);
        foreach (Point[] batch in vectors.Select((v, i) => new Point((ulong)i, v)).Chunk(100))
        {
            c.Upsert(batch);
        }

        c.Delete(Enumerable.Range(0, 1000).Where(i => i % 3 == 0).Select(i => (PointId)(ulong)i));
        var queries = Data.RandomVectors(22, 10, 8);
        var before = queries.Select(q => c.Search(q, 10).Select(h => h.Id).ToList()).ToList();
        Assert.Equal(5, c.GetInfo().SealedSegmentCount);

        Assert.Equal(5, c.Optimize());
        CollectionInfo info = c.GetInfo();
        Assert.Equal(1, info.SealedSegmentCount);
        Assert.Equal(0, info.DeletedPointCount);
        Assert.Equal(before, queries.Select(q => c.Search(q, 10).Select(h => h.Id).ToList()).ToList());

        t.Reopen();
        Collection r = t.Db.GetCollection("c");
        Assert.Equal(666, r.Count());
        Assert.Equal(before, queries.Select(q => r.Search(q, 10).Select(h => h.Id).ToList()).ToList());
        Assert.Single(Directory.GetDirectories(Path.Combine(t.Path, "collections", "c", "segments")));
    }

    [Fact]
    public void Snapshot_restores_into_another_database_under_a_new_name()
    {
        using var source = new TestDatabase(o => o.MaxMutableSegmentPoints = 64);
        using var target = new TestDatabase();
        using TempDirectory dir = Data.TempDir();
        Collection c = source.Db.CreateCollection("c", new CollectionOptions(6, DistanceMetric.Cosine) { PayloadIndexes = { ["n"] = PayloadIndexType.Integer } });
        c.Upsert(Data.RandomVectors(31, 300, 6).Select((v, i) => new Point((ulong)i, v, new Payload { ["n"] = i })).ToList());
        c.Delete([(PointId)5UL]);
        string archive = Path.Combine(dir.Path, "c.snapshot");
        c.CreateSnapshot(archive);
        c.Upsert(new Point(9999UL, [1, 1, 1, 1, 1, 1]));

        Collection restored = target.Db.RestoreSnapshot(archive, "copy");
        Assert.Equal(299, restored.Count());
        Assert.Empty(restored.Get([(PointId)9999UL]));
        Assert.Equal(299, restored.Count(new Filter { Must = { Condition.Range("n", gte: 0) } }));
        float[] q = Data.RandomVector(new Random(1), 6);
        c.Delete([(PointId)9999UL]);
        Assert.Equal(c.Search(q, 10).Select(h => h.Id), restored.Search(q, 10).Select(h => h.Id));
        Assert.Throws<CollectionAlreadyExistsException>(() => target.Db.RestoreSnapshot(archive, "copy"));
        target.Reopen();
        Assert.Equal(299, target.Db.GetCollection("copy").Count());

        File.WriteAllText(Path.Combine(dir.Path, "bad.snapshot"), "not a tar");
        Assert.Throws<DataCorruptionException>(() => target.Db.RestoreSnapshot(Path.Combine(dir.Path, "bad.snapshot"), "bad"));
        Assert.Equal(new[] { "copy" }, target.Db.ListCollections());
    }

    [Fact]
    public async Task Concurrent_readers_and_writers_see_consistent_data()
    {
        using var t = new TestDatabase(o =>
        {
            o.MaxMutableSegmentPoints = 300;
            o.WalSyncMode = WalSyncMode.None;
        });
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(8, DistanceMetric.L2));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(() =>
        {
            var random = new Random(w);
            for (int i = 0; i < 60 && DateTime.UtcNow < deadline; i++)
            {
                c.Upsert(Enumerable.Range(0, 50).Select(j => new Point((ulong)((w * 1_000_000) + (i * 50) + j), Data.RandomVector(random, 8))).ToList());
                if (i % 5 == 4)
                {
                    c.Delete(Enumerable.Range(0, 10).Select(j => (PointId)(ulong)((w * 1_000_000) + (i * 50) + j)));
                }
            }
        })).ToArray();
        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var random = new Random(100 + r);
            while (!writers.All(w => w.IsCompleted) && DateTime.UtcNow < deadline)
            {
                try
                {
                    var hits = c.Search(Data.RandomVector(random, 8), 10);
                    Assert.True(hits.Count <= 10);
                    Assert.Equal(hits.Count, hits.Select(h => h.Id).Distinct().Count());
                    c.Count();
                }
                catch (Exception e)
                {
                    errors.Enqueue(e);
                    return;
                }
            }
        })).ToArray();
        await Task.WhenAll([.. writers, .. readers]).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Empty(errors);
        Assert.Equal(2 * 60 * 50 - (2 * 12 * 10), c.Count());
        c.Optimize();
        Assert.Equal(2 * 60 * 50 - (2 * 12 * 10), c.Count());
    }
}
