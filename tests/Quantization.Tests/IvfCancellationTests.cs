using VectorEngine.Hnsw.Tests;
using VectorEngine.Indexing;
using VectorEngine.Tests.TestKit;
using VectorEngine.Quantization.Ivf;

namespace VectorEngine.Quantization.Tests;

/// <summary>A cancelled IVF search stops at the next probed list.</summary>
public sealed class IvfCancellationTests
{
    [Fact]
    public void An_ivf_scan_stops_at_the_next_list_once_cancelled()
    {
        using var harness = new IndexHarness(DistanceMetric.L2, 8, 3_000);
        harness.Append(Clustered.Vectors(6, 3_000, 8));
        using IvfIndex index = IvfIndex.Build(harness.Store, new IvfParameters { NList = 30, NProbe = 30 });
        using var cancellation = new CancellationTokenSource();
        var filter = new CancellingFilter(cancellation, cancelAfter: 1, accept: false);
        Assert.Throws<OperationCanceledException>(() =>
            index.Search(harness.Vectors[0], new SearchParams(), filter, new TopKCollector(10), cancellation.Token));
        Assert.True(filter.Calls.Value < 3_000, $"{filter.Calls.Value} rows scanned after the cancel");
    }
}
