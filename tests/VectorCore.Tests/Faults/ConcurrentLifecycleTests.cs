using VectorEngine.Storage;
using VectorEngine.Tests.Collections;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests.Faults;

/// <summary>
/// A restore holds only its own collection's name, not the database: while one is stuck reading its archive, other
/// collections are created, written, searched and dropped.
/// </summary>
public sealed class ConcurrentLifecycleTests
{
    [Fact]
    public async Task A_slow_restore_does_not_stall_other_collections()
    {
        using TempDirectory dir = Data.TempDir();
        string archive = Path.Combine(dir.Path, "source.snapshot");
        using (var source = new TestDatabase())
        {
            Collection c = source.Db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2));
            c.Upsert(Enumerable.Range(1, 50).Select(i => new Point((ulong)i, [i, 1, 2, 3])).ToList());
            c.CreateSnapshot(archive);
        }

        using var gate = new ManualResetEventSlim(false);
        using var reading = new ManualResetEventSlim(false);
        var fs = new GatedArchiveFileSystem(archive, gate, reading);
        using VectorDatabase db = VectorDatabase.Open(Path.Combine(dir.Path, "db"), new VectorDatabaseOptions { FileSystem = fs, EnableBackgroundOptimizer = false });
        Task<Collection> restore = Task.Run(() => db.RestoreSnapshot(archive, "restored"));
        Assert.True(reading.Wait(TimeSpan.FromSeconds(30)), "the restore never started reading its archive");

        // The restore is parked inside its extraction. Everything else goes on.
        Collection other = db.CreateCollection("other", new CollectionOptions(4, DistanceMetric.L2));
        other.Upsert(new Point(1UL, [1, 2, 3, 4]));
        Assert.Equal(1UL, other.Search([1, 2, 3, 4], 1)[0].Id.Number);
        Assert.Throws<CollectionAlreadyExistsException>(() => db.CreateCollection("restored", new CollectionOptions(4, DistanceMetric.L2)));
        db.DropCollection("other");
        Assert.False(restore.IsCompleted);

        gate.Set();
        Collection restored = await restore.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(50, restored.Count());
        Assert.Equal(["restored"], db.ListCollections());
    }

    /// <summary>The real file system, except that reads of one archive wait on a gate.</summary>
    private sealed class GatedArchiveFileSystem(string archive, ManualResetEventSlim gate, ManualResetEventSlim reading) : InterceptingFileSystem
    {
        protected override IStorageFile Intercept(string path, IStorageFile file) => path == archive ? new GatedFile(file, gate, reading) : file;

        private sealed class GatedFile(IStorageFile inner, ManualResetEventSlim gate, ManualResetEventSlim reading) : PassThroughFile(inner)
        {
            public override int Read(Span<byte> buffer, long offset)
            {
                reading.Set();
                if (!gate.Wait(TimeSpan.FromSeconds(60)))
                {
                    throw new IOException("the test never opened the gate");
                }

                return base.Read(buffer, offset);
            }
        }
    }
}
