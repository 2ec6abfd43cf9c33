using VectorEngine.Indexing;

namespace VectorEngine.Hnsw.Tests;

/// <summary>
/// <see cref="HnswSearchStatistics"/>: off, searches count nothing; on, they count every distance they compute on the
/// calling thread and answer exactly as they do off.
/// </summary>
public sealed class SearchStatisticsTests
{
    [Theory]
    [InlineData(DistanceMetric.L2)]
    [InlineData(DistanceMetric.Cosine)]
    public void Counting_changes_no_answer_and_counts_more_work_for_a_wider_beam(DistanceMetric metric)
    {
        using var harness = new IndexHarness(metric, dim: 24, capacity: 3_000);
        harness.Append(Clustered.Vectors(seed: 3, 3_000, 24, clusters: 20));
        using HnswIndex index = HnswIndex.Build(harness.Store, new HnswParameters { M = 12, EfConstruction = 64 });
        float[][] queries = Clustered.Vectors(seed: 4, 50, 24, clusters: 20);

        long before = HnswSearchStatistics.DistancesOnCurrentThread;
        uint[][] uncounted = [.. queries.Select(q => harness.Search(index, q, 10, 32))];
        Assert.Equal(before, HnswSearchStatistics.DistancesOnCurrentThread);

        var perQuery = new Dictionary<int, double>();
        HnswSearchStatistics.Counting = true;
        try
        {
            foreach (int ef in new[] { 32, 128 })
            {
                long start = HnswSearchStatistics.DistancesOnCurrentThread;
                uint[][] counted = [.. queries.Select(q => harness.Search(index, q, 10, ef))];
                perQuery[ef] = (HnswSearchStatistics.DistancesOnCurrentThread - start) / (double)queries.Length;
                if (ef == 32)
                {
                    Assert.Equal(uncounted, counted);
                }
            }
        }
        finally
        {
            HnswSearchStatistics.Counting = false;
        }

        // A beam of ef scores at least ef vectors, and never more than the index holds (each once per layer).
        Assert.InRange(perQuery[32], 32, 3_000 * (index.MaxLevel + 1));
        Assert.True(perQuery[128] > 1.5 * perQuery[32], $"ef=128 scored {perQuery[128]:F0} per query, ef=32 {perQuery[32]:F0}");
    }

    /// <summary>
    /// The tally sees every counted distance at its row: the counts add up to the distances counted, rows past the
    /// tally's end are left out, the entry point is read by every query, and with no tally, or counting off, nothing
    /// is tallied.
    /// </summary>
    [Fact]
    public void The_visit_tally_adds_every_counted_distance_at_its_row()
    {
        using var harness = new IndexHarness(DistanceMetric.L2, dim: 16, capacity: 2_000);
        harness.Append(Clustered.Vectors(seed: 5, 2_000, 16, clusters: 10));
        using HnswIndex index = HnswIndex.Build(harness.Store, new HnswParameters { M = 8, EfConstruction = 48 });
        float[][] queries = Clustered.Vectors(seed: 6, 40, 16, clusters: 10);

        var tally = new int[2_000];
        var half = new int[1_000];
        HnswSearchStatistics.TallyVisitsOnCurrentThread(tally);
        try
        {
            _ = queries.Select(q => harness.Search(index, q, 10, 32)).ToArray();
            Assert.All(tally, count => Assert.Equal(0, count));

            HnswSearchStatistics.Counting = true;
            long before = HnswSearchStatistics.DistancesOnCurrentThread;
            _ = queries.Select(q => harness.Search(index, q, 10, 32)).ToArray();
            Assert.Equal(HnswSearchStatistics.DistancesOnCurrentThread - before, tally.Sum(c => (long)c));
            Assert.True(tally.Max() >= queries.Length, "the entry point is scored by every query");

            HnswSearchStatistics.TallyVisitsOnCurrentThread(half);
            _ = queries.Select(q => harness.Search(index, q, 10, 32)).ToArray();
            Assert.Equal(tally.Take(1_000), half);

            HnswSearchStatistics.TallyVisitsOnCurrentThread(null);
            _ = queries.Select(q => harness.Search(index, q, 10, 32)).ToArray();
            Assert.Equal(tally.Take(1_000), half);
        }
        finally
        {
            HnswSearchStatistics.Counting = false;
            HnswSearchStatistics.TallyVisitsOnCurrentThread(null);
        }
    }
}
