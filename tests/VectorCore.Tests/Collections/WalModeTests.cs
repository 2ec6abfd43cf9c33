using Microsoft.Extensions.Logging;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests.Collections;

public sealed class WalModeTests
{
    [Fact]
    public async Task Concurrent_durable_writers_share_fsyncs_and_all_writes_survive()
    {
        using var t = new TestDatabase();
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2));
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            for (int i = 0; i < 50; i++)
            {
                c.Upsert(new Point((ulong)((w * 1000) + i), [w, i, 1, 1]));
            }
        }));
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(60));
        t.Reopen();
        Assert.Equal(200, t.Db.GetCollection("c").Count());
    }

    [Theory]
    [InlineData(WalSyncMode.Interval)]
    [InlineData(WalSyncMode.None)]
    public void Relaxed_sync_modes_keep_writes_across_a_clean_close(WalSyncMode mode)
    {
        using var t = new TestDatabase(o =>
        {
            o.WalSyncMode = mode;
            o.WalSyncInterval = TimeSpan.FromMilliseconds(5);
        });
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(2, DistanceMetric.L2));
        for (int i = 0; i < 100; i++)
        {
            c.Upsert(new Point((ulong)i, [i, 1]));
        }

        Thread.Sleep(50);
        t.Reopen();
        Assert.Equal(100, t.Db.GetCollection("c").Count());
    }

    [Fact]
    public void Truncating_a_torn_tail_logs_a_warning_that_names_the_file()
    {
        var logs = new CapturingLoggerFactory();
        using var t = new TestDatabase(o => o.LoggerFactory = logs);
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(2, DistanceMetric.L2));
        c.Upsert(new Point(1UL, [1, 1]));
        c.Upsert(new Point(2UL, [2, 2]));
        t.Db.Dispose();
        string wal = Directory.GetFiles(Path.Combine(t.Path, "collections", "c", "wal")).Single();
        using (var f = new FileStream(wal, FileMode.Open))
        {
            f.SetLength(f.Length - 3);
        }

        t.Reopen();
        Assert.Equal(1, t.Db.GetCollection("c").Count());
        Assert.Contains(logs.Events, e => e.Level == LogLevel.Warning && e.Id.Id == 1001 && e.Message.Contains(Path.GetFileName(wal)));
    }
}
