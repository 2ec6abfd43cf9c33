using System.Collections.Concurrent;
using System.Diagnostics;
using VectorEngine.Filters;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests.Collections;

/// <summary>
/// Searches pin a published segment set and read it without a lock while writes, seals and merges publish new ones:
/// every result must still be a whole, real point, each point once, and the final state the writes' state.
/// </summary>
public sealed class SegmentSetConcurrencyTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Dim = 8;
    private const int Ids = 1_500;

    /// <summary>Point <paramref name="id"/> at write <paramref name="version"/>: the id is readable from the vector.</summary>
    private static float[] VectorOf(int id, int version)
    {
        var v = new float[Dim];
        v[0] = id;
        v[1] = version % 97;
        for (int d = 2; d < Dim; d++)
        {
            v[d] = (id * 31 + d * 7 + version) % 13;
        }

        return v;
    }

    [Fact]
    public async Task Searches_racing_writes_seals_and_merges_see_whole_points_once_each()
    {
        using TempDirectory dir = Data.TempDir();
        var options = new VectorDatabaseOptions
        {
            WalSyncMode = WalSyncMode.None,
            EnableBackgroundOptimizer = false,
            MaxMutableSegmentPoints = 300,
            OptimizerSmallSegmentPoints = 400,
        };
        using var db = VectorDatabase.Open(dir.Path, options);
        var collectionOptions = new CollectionOptions(Dim, DistanceMetric.L2);
        collectionOptions.PayloadIndexes["even"] = PayloadIndexType.Bool;
        Collection c = db.CreateCollection("c", collectionOptions);

        var latest = new ConcurrentDictionary<int, int>();

        // Every id present before the race starts, so that searches have full pages to get wrong.
        c.Upsert(Enumerable.Range(0, Ids).Select(id => new Point((ulong)id, VectorOf(id, 0), new Payload { ["even"] = id % 2 == 0, ["version"] = 0 })).ToList());
        for (int id = 0; id < Ids; id++)
        {
            latest[id] = 0;
        }

        var deadline = Stopwatch.StartNew();
        var stop = new CancellationTokenSource();
        var failures = new ConcurrentQueue<string>();
        int searches = 0, fullPages = 0;

        Task writer = Task.Run(() =>
        {
            var random = new Random(1);
            for (int round = 1; round < 4_000 && deadline.Elapsed < TimeSpan.FromSeconds(6); round++)
            {
                if (round % 7 == 6)
                {
                    int[] gone = Enumerable.Range(0, 20).Select(_ => random.Next(Ids)).Distinct().ToArray();
                    c.Delete(gone.Select(id => (PointId)(ulong)id));
                    foreach (int id in gone)
                    {
                        latest.TryRemove(id, out _);
                    }

                    continue;
                }

                var batch = new Dictionary<int, Point>();
                for (int i = 0; i < 40; i++)
                {
                    int id = random.Next(Ids);
                    batch[id] = new Point((ulong)id, VectorOf(id, round), new Payload { ["even"] = id % 2 == 0, ["version"] = round });
                }

                c.Upsert(batch.Values.ToList());
                foreach (int id in batch.Keys)
                {
                    latest[id] = round;
                }
            }

            stop.Cancel();
        });

        Task optimizer = Task.Run(() =>
        {
            for (int i = 0; i < 10_000 && !stop.IsCancellationRequested; i++)
            {
                c.Optimize();
                if (i % 3 == 0)
                {
                    c.Checkpoint();
                }
            }
        });

        Task[] readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var random = new Random(100 + r);
            for (int i = 0; i < 2_000_000 && !stop.IsCancellationRequested; i++)
            {
                int id = random.Next(Ids);
                Filter? filter = (i % 3) switch
                {
                    0 => new Filter { Must = { Condition.Match("even", true) } },
                    1 => new Filter { Must = { Condition.HasId((ulong)id, (ulong)(id + 1)) } },
                    _ => null,
                };
                IReadOnlyList<ScoredPoint> hits = c.Search(new SearchRequest(VectorOf(id, 0), 50) { Filter = filter, WithVector = true, WithPayload = true });
                Interlocked.Increment(ref searches);
                if (hits.Count == 50)
                {
                    Interlocked.Increment(ref fullPages);
                }

                if (hits.Select(h => h.Id).Distinct().Count() != hits.Count)
                {
                    failures.Enqueue($"duplicate ids in {string.Join(",", hits.Select(h => h.Id))}");
                }

                foreach (ScoredPoint hit in hits)
                {
                    ulong hitId = hit.Id.Number;
                    if (hit.Vector![0] != hitId || hit.Payload!["even"].AsBool != (hitId % 2 == 0) ||
                        (filter is not null && !filter.Matches(hit.Id, hit.Payload)))
                    {
                        failures.Enqueue($"point {hitId} came back with another point's row or failing the filter");
                    }
                }

                for (int h = 1; h < hits.Count; h++)
                {
                    // L2 scores are distances: nearest first means ascending.
                    if (hits[h].Score < hits[h - 1].Score)
                    {
                        failures.Enqueue("results out of order");
                    }
                }
            }
        })).ToArray();

        await Task.WhenAll([writer, optimizer, .. readers]);
        Assert.Empty(failures);

        // The readers really raced the writes: many searches, most of the unfiltered and even ones with a full page.
        output.WriteLine($"{searches} searches ({fullPages} with 50 hits) raced {latest.Count} live points; final segments: {c.GetInfo().SegmentCount}");
        Assert.True(searches >= 200 && fullPages >= searches / 4, $"{searches} searches, {fullPages} with 50 hits");

        // The end state is the writes' state, and search agrees with a brute force over it.
        Assert.Equal(latest.Count, c.Count());
        foreach (PointRecord record in c.Get(latest.Keys.Select(id => (PointId)(ulong)id), withVector: true))
        {
            Assert.Equal(VectorOf((int)record.Id.Number, latest[(int)record.Id.Number]), record.Vector);
        }

        float[] query = VectorOf(700, 3);
        int[] expected = latest.OrderBy(p => Distance(VectorOf(p.Key, p.Value), query)).ThenBy(p => p.Key).Take(10).Select(p => p.Key).ToArray();
        Assert.Equal(expected, c.Search(new SearchRequest(query, 10) { Params = new SearchParams { Exact = true } }).Select(h => (int)h.Id.Number));
    }

    private static float Distance(float[] a, float[] b) => a.Zip(b, (x, y) => (x - y) * (x - y)).Sum();
}
