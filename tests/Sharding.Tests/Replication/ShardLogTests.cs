using VectorEngine.Api.Cluster.V1;
using VectorEngine.Sharding.Replication;
using VectorEngine.Storage;

namespace VectorEngine.Sharding.Tests.Replication;

/// <summary>The replication log on disk: reopen, torn tails, damage, suffix truncation, rebasing, the durable promise.</summary>
public sealed class ShardLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vectorengine-shardlog-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Entries_survive_a_reopen_with_their_epochs()
    {
        using (ShardLog log = Open())
        {
            Append(log, 1, 1, 3);
            Append(log, 4, 2, 2);
            log.Sync(log.LastLsn);
        }

        using ShardLog again = Open();
        Assert.Equal(5, again.LastLsn);
        Assert.Equal(2, again.LastEpoch);
        Assert.Equal(1, again.EpochAt(3));
        Assert.Equal(2, again.EpochAt(4));
        Assert.Equal(4, again.FirstOfEpochRun(5));
        Assert.Equal(-1, again.EpochAt(6));
        Assert.Equal([3UL, 4UL], again.Read(3, 1).Concat(again.Read(4, 1)).Select(e => e.Lsn));
    }

    [Fact]
    public void A_torn_last_record_is_cut_and_damage_followed_by_valid_records_refuses_to_open()
    {
        using (ShardLog log = Open())
        {
            Append(log, 1, 1, 4);
            log.Sync(4);
        }

        string path = Path.Combine(_dir, "log");
        long length = new FileInfo(path).Length;
        using (var file = new FileStream(path, FileMode.Open))
        {
            file.SetLength(length - 3);
        }

        using (ShardLog torn = Open())
        {
            Assert.Equal(3, torn.LastLsn);
            Append(torn, 4, 1, 2);
            torn.Sync(5);
        }

        // Flip a byte inside the second record's body: records after it are whole, so this is damage, not a torn tail.
        byte[] bytes = File.ReadAllBytes(path);
        bytes[32 + 8 + 20] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        Assert.Throws<InvalidDataException>(Open);
    }

    [Fact]
    public void A_suffix_truncated_is_gone_after_a_reopen_and_the_log_continues_after_it()
    {
        using (ShardLog log = Open())
        {
            Append(log, 1, 1, 6);
            log.Sync(6);
            log.TruncateAfter(3);
            Assert.Equal(3, log.LastLsn);
            Append(log, 4, 2, 1);
            log.Sync(4);
        }

        using ShardLog again = Open();
        Assert.Equal(4, again.LastLsn);
        Assert.Equal(2, again.EpochAt(4));
    }

    [Fact]
    public void A_rebase_keeps_only_what_follows_its_base()
    {
        using (ShardLog log = Open())
        {
            Append(log, 1, 1, 10);
            log.Rebase(7, 1);
            Assert.Equal(7, log.BaseLsn);
            Assert.Equal(10, log.LastLsn);
            Assert.Equal(-1, log.EpochAt(6));
            Assert.Equal(1, log.EpochAt(7));
        }

        using ShardLog again = Open();
        Assert.Equal((7L, 10L), (again.BaseLsn, again.LastLsn));
        again.Rebase(0, 0);
        Assert.Equal((0L, 0L), (again.BaseLsn, again.LastLsn));
    }

    [Fact]
    public void A_promise_only_rises_and_survives_a_reopen()
    {
        using (ShardLog log = Open())
        {
            Assert.True(log.Promise(3));
            Assert.False(log.Promise(2));
            Assert.False(log.Promise(3));
        }

        using ShardLog again = Open();
        Assert.Equal(3, again.PromisedEpoch);
    }

    private ShardLog Open() => ShardLog.Open(LocalFileSystem.Instance, _dir);

    private static void Append(ShardLog log, long first, long epoch, int count) =>
        log.Append(Enumerable.Range(0, count).Select(i =>
        {
            LogEntry entry = LogOps.Upsert([new Point(new PointId((ulong)(first + i)), [1f, 2f, 3f, 4f])]);
            entry.Lsn = (ulong)(first + i);
            entry.Epoch = (ulong)epoch;
            return entry;
        }).ToArray());
}
