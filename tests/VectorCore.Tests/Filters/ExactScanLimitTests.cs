using VectorEngine.Searching;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests.Filters;

/// <summary>The planner's cost model for choosing an exact scan of a filter's matches over a filtered traversal.</summary>
public sealed class ExactScanLimitTests
{
    [Fact]
    public void The_limit_matches_the_calibration_and_grows_with_segment_size_and_beam()
    {
        // Calibrated break-even: fashion-mnist, 60,000 points, ef = 64 → about 4,800 matches.
        Assert.InRange(SearchCost.ExactScanLimit(60_000, 64), 4_500, 5_200);
        Assert.True(SearchCost.ExactScanLimit(1_000_000, 64) > SearchCost.ExactScanLimit(60_000, 64));
        Assert.True(SearchCost.ExactScanLimit(60_000, 256) > SearchCost.ExactScanLimit(60_000, 64));
        Assert.Equal(0, SearchCost.ExactScanLimit(0, 64));

        // At the limit a scan of the matches and the traversal cost the same.
        long m = SearchCost.ExactScanLimit(60_000, 64);
        Assert.InRange(SearchCost.FilteredTraversal(60_000, 64, m) / m, 0.99, 1.01);
    }

    [Fact]
    public void The_default_index_cost_assumes_a_beam_of_64_widened_to_k_and_an_exact_index_costs_a_scan()
    {
        using var store = new VectorEngine.Segments.GrowableVectorStore(4, DistanceMetric.L2);
        using var flat = new VectorEngine.Indexing.FlatIndex(store);
        VectorEngine.Indexing.IVectorIndex exact = flat;
        Assert.Equal(60_000, exact.EstimateSearchCost(SearchParams.Default, 10, 60_000, 500));
        VectorEngine.Indexing.IVectorIndex traversing = new TraversingIndex();
        Assert.Equal(SearchCost.FilteredTraversal(60_000, 64, 500), traversing.EstimateSearchCost(SearchParams.Default, 10, 60_000, 500));
        Assert.Equal(SearchCost.FilteredTraversal(60_000, 100, 500), traversing.EstimateSearchCost(new SearchParams { Ef = 10 }, 100, 60_000, 500));
    }

    /// <summary>An approximate index that keeps the contract's default cost model.</summary>
    private sealed class TraversingIndex : VectorEngine.Indexing.IVectorIndex
    {
        public string Name => "traversing";

        public long MemoryBytes => 0;

        public bool IsExact => false;

        public void Add(uint fromOffset)
        {
        }

        public void Search<TFilter>(ReadOnlySpan<float> query, SearchParams parameters, TFilter filter, VectorEngine.Indexing.TopKCollector results)
            where TFilter : struct, VectorEngine.Indexing.IOffsetFilter
        {
        }

        public void Save(VectorEngine.Storage.StorageFolder folder)
        {
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public void A_negative_fixed_threshold_is_refused_when_the_database_opens_and_nothing_is_written()
    {
        using TempDirectory dir = Data.TempDir();
        var e = Assert.Throws<VectorEngineArgumentException>(() =>
            VectorDatabase.Open(dir.Path, new VectorDatabaseOptions { ExactFilterThreshold = -1 }));
        Assert.Equal(nameof(VectorDatabaseOptions.ExactFilterThreshold), e.ParamName);
        Assert.Empty(Directory.Exists(dir.Path) ? Directory.EnumerateFileSystemEntries(dir.Path) : []);
    }
}
