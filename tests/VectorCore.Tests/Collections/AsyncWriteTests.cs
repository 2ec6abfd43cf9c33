using VectorEngine.Storage;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests.Collections;

/// <summary>
/// Asynchronous writes await the WAL's group commit: while an fsync is held up, writers hold no thread (their tasks are
/// pending and the callers run on), one flusher covers them all, and every write is applied in log order once durable.
/// </summary>
public sealed class AsyncWriteTests
{
    [Fact]
    public async Task Writers_wait_for_a_held_fsync_without_holding_threads_and_share_it()
    {
        var gate = new GatedSyncFileSystem();
        using var t = new TestDatabase(o => o.FileSystem = gate);
        IVectorCollection c = await ((IVectorDatabase)t.Db).CreateCollectionAsync("c", new CollectionOptions(2, DistanceMetric.L2));

        gate.Hold();
        var writes = new List<Task>();
        long issuedOnThread = Environment.CurrentManagedThreadId;
        for (int i = 0; i < 200; i++)
        {
            // Each call returns at once with a pending task: the caller's thread is never the one that waits.
            writes.Add(c.UpsertAsync([new Point((ulong)i, [i, 1])]));
            writes.Add(((Collection)c).DeleteAsync([(PointId)(ulong)(1_000 + i)]));
        }

        Assert.Equal(issuedOnThread, Environment.CurrentManagedThreadId);
        await gate.WaitUntilSyncsBlockedAsync(1);
        await Task.Delay(200);
        Assert.All(writes, w => Assert.False(w.IsCompleted));
        Assert.Equal(1, gate.BlockedSyncs);
        Assert.Equal(0, ((Collection)c).Count());

        gate.Release();
        await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(200, ((Collection)c).Count());

        // 400 writes made durable by a handful of fsyncs: the held one, then one or two that covered the rest.
        Assert.InRange(gate.Syncs, 1, 10);
        t.Reopen();
        Assert.Equal(200, t.Db.GetCollection("c").Count());
    }

    [Fact]
    public async Task A_failed_fsync_fails_every_waiting_writer_and_applies_none_of_them()
    {
        var gate = new GatedSyncFileSystem();
        using var t = new TestDatabase(o => o.FileSystem = gate);
        IVectorCollection c = await ((IVectorDatabase)t.Db).CreateCollectionAsync("c", new CollectionOptions(2, DistanceMetric.L2));
        await c.UpsertAsync([new Point(1UL, [1, 1])]);

        gate.Hold();
        Task<long>[] writes = Enumerable.Range(10, 20).Select(i => c.UpsertAsync([new Point((ulong)i, [i, 1])])).ToArray();
        await gate.WaitUntilSyncsBlockedAsync(1);
        gate.FailNext();
        gate.Release();
        foreach (Task<long> write in writes)
        {
            await Assert.ThrowsAsync<StorageFailureException>(() => write);
        }

        Assert.Equal(1, ((Collection)c).Count());
        await Assert.ThrowsAsync<StorageFailureException>(() => c.UpsertAsync([new Point(2UL, [2, 1])]));
    }

    [Fact]
    public async Task Cancellation_before_the_write_is_logged_changes_nothing()
    {
        using var t = new TestDatabase();
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(2, DistanceMetric.L2));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => c.UpsertAsync([new Point(1UL, [1, 1])], cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => c.DeleteAsync([(PointId)1UL], cancelled.Token));
        Assert.Equal(0, c.Count());
    }

    /// <summary>The real file system, whose WAL fsyncs can be held at a gate, counted, or made to fail.</summary>
    private sealed class GatedSyncFileSystem : InterceptingFileSystem
    {
        private readonly ManualResetEventSlim _open = new(true);
        private int _blocked;
        private int _syncs;
        private volatile bool _failNext;

        public int BlockedSyncs => Volatile.Read(ref _blocked);

        public int Syncs => Volatile.Read(ref _syncs);

        public void Hold()
        {
            _open.Reset();
            Interlocked.Exchange(ref _syncs, 0);
        }

        public void Release() => _open.Set();

        public void FailNext() => _failNext = true;

        public async Task WaitUntilSyncsBlockedAsync(int count)
        {
            for (int i = 0; i < 500 && BlockedSyncs < count; i++)
            {
                await Task.Delay(10);
            }

            Assert.Equal(count, BlockedSyncs);
        }

        protected override IStorageFile Intercept(string path, IStorageFile file) =>
            path.Contains($"{Path.DirectorySeparatorChar}wal{Path.DirectorySeparatorChar}") ? new WalFile(file, this) : file;

        private sealed class WalFile(IStorageFile inner, GatedSyncFileSystem fs) : PassThroughFile(inner)
        {
            public override void Sync()
            {
                Interlocked.Increment(ref fs._blocked);
                try
                {
                    Assert.True(fs._open.Wait(TimeSpan.FromSeconds(30)), "the test never released the fsync");
                }
                finally
                {
                    Interlocked.Decrement(ref fs._blocked);
                }

                Interlocked.Increment(ref fs._syncs);
                if (fs._failNext)
                {
                    fs._failNext = false;
                    throw new IOException("injected fsync failure");
                }

                base.Sync();
            }
        }
    }
}
