using VectorEngine.Indexing;
using VectorEngine.Segments;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests.Collections;

/// <summary>A cancelled search stops its work: exact scans check the token every block of rows.</summary>
public sealed class SearchCancellationTests
{
    [Fact]
    public void An_exact_scan_cancelled_midway_stops_within_a_block()
    {
        using var store = new GrowableVectorStore(16, DistanceMetric.L2, 10_000);
        foreach (float[] v in Data.RandomVectors(1, 10_000, 16))
        {
            store.Append(v);
        }

        using var cancellation = new CancellationTokenSource();
        var filter = new CancellingFilter(cancellation, cancelAfter: 10, accept: true);
        Assert.Throws<OperationCanceledException>(() =>
            ExactScan.All(store, Data.RandomVectors(2, 1, 16)[0], filter, new TopKCollector(10_000), cancellation.Token));

        // Every row enters a top-10,000 and is offered to the filter: the scan stopped at the next block of 64 rows.
        Assert.InRange(filter.Calls.Value, 10, 64 + 10);
    }

    [Fact]
    public void A_search_with_a_cancelled_token_throws_and_an_uncancelled_one_answers()
    {
        using TempDirectory dir = Data.TempDir();
        using VectorDatabase db = VectorDatabase.Open(dir.Path, new VectorDatabaseOptions { EnableBackgroundOptimizer = false, WalSyncMode = WalSyncMode.None });
        Collection c = db.CreateCollection("c", new CollectionOptions(8, DistanceMetric.L2));
        float[][] vectors = Data.RandomVectors(3, 500, 8);
        c.Upsert(vectors.Select((v, i) => new Point((ulong)i, v)).ToArray());
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => c.Search(new SearchRequest(vectors[0], 3), cancelled.Token));
        Assert.Throws<OperationCanceledException>(() => c.SearchBatch([new SearchRequest(vectors[0], 3)], cancelled.Token));
        Assert.Equal(0UL, c.Search(new SearchRequest(vectors[0], 3), CancellationToken.None)[0].Id.Number);
    }
}
