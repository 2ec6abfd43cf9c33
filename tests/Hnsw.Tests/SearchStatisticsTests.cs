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
}
