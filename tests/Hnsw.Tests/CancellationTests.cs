using VectorEngine.Indexing;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Hnsw.Tests;

/// <summary>
/// A cancelled search stops inside the index, not only between segments: an HNSW traversal that a selective filter
/// sends through the whole graph checks the token every 256 expansions (IVF: every probed list, in Quantization.Tests).
/// </summary>
public sealed class CancellationTests
{
    [Fact]
    public void An_hnsw_traversal_cancelled_midway_stops_within_256_expansions()
    {
        using var harness = new IndexHarness(DistanceMetric.L2, 8, 5_000);
        harness.Append(Clustered.Vectors(5, 5_000, 8));
        using HnswIndex index = HnswIndex.Build(harness.Store, new HnswParameters { M = 8, EfConstruction = 64 });
        using var cancellation = new CancellationTokenSource();

        // Nothing passes the filter, so the beam never fills and the traversal would visit every node.
        var filter = new CancellingFilter(cancellation, cancelAfter: 100, accept: false);
        Assert.Throws<OperationCanceledException>(() =>
            index.Search(harness.Vectors[0], new SearchParams { Ef = 10 }, filter, new TopKCollector(10), cancellation.Token));
        Assert.InRange(filter.Calls.Value, 100, 100 + (257 * 2 * 8));

        var uncancelled = new CancellingFilter(cancellation, cancelAfter: int.MaxValue, accept: false);
        index.Search(harness.Vectors[0], new SearchParams { Ef = 10 }, uncancelled, new TopKCollector(10), CancellationToken.None);
        Assert.True(uncancelled.Calls.Value > 4_000, $"the whole graph is traversed when nothing cancels ({uncancelled.Calls.Value} nodes)");
    }
}
