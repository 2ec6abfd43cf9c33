using VectorEngine.Filters.Planning;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests.Filters;

/// <summary>The planner's cost model for choosing an exact scan of a filter's matches over a filtered traversal.</summary>
public sealed class ExactScanLimitTests
{
    [Fact]
    public void The_limit_matches_the_calibration_and_grows_with_segment_size_and_beam()
    {
        // Calibrated break-even: fashion-mnist, 60,000 points, ef = 64 → about 4,800 matches.
        Assert.InRange(FilterPlanner.ExactScanLimit(60_000, 64, 10), 4_500, 5_200);
        Assert.True(FilterPlanner.ExactScanLimit(1_000_000, 64, 10) > FilterPlanner.ExactScanLimit(60_000, 64, 10));
        Assert.True(FilterPlanner.ExactScanLimit(60_000, 256, 10) > FilterPlanner.ExactScanLimit(60_000, 64, 10));

        // No ef: the index default is assumed; a beam narrower than k is widened to k.
        Assert.Equal(FilterPlanner.ExactScanLimit(60_000, 64, 10), FilterPlanner.ExactScanLimit(60_000, null, 10));
        Assert.Equal(FilterPlanner.ExactScanLimit(60_000, 100, 100), FilterPlanner.ExactScanLimit(60_000, 10, 100));
        Assert.Equal(0, FilterPlanner.ExactScanLimit(0, 64, 10));
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
