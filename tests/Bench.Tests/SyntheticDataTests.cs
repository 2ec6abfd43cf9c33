using VectorEngine.Bench.Commands;
using VectorEngine.Bench.Datasets;
using VectorEngine.Bench.Synthetic;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Bench.Tests;

/// <summary><c>bench gen</c>: the same seed makes the same data in any order, and the ground truth is exact.</summary>
public sealed class SyntheticDataTests
{
    [Theory]
    [InlineData("Clustered")]
    [InlineData("Gaussian")]
    [InlineData("TextLike")]
    public void A_written_dataset_reads_back_with_ground_truth_that_matches_brute_force(string kindName)
    {
        SyntheticKind kind = Enum.Parse<SyntheticKind>(kindName);
        using TempDirectory dir = Data.TempDir();
        var data = new SyntheticData(kind, 3_000, 24, seed: 9);
        GenCommand.Write(data, dir.Path, queryCount: 20, k: 10, writeBase: true);
        Dataset read = Dataset.Load(dir.Path);
        Assert.Equal(data.Metric, read.Metric);
        Assert.Equal(3_000, read.Base.Length);

        // Rows are a function of (seed, row): regenerated alone, row 1234 is the written one.
        float[] row = new float[24];
        data.Base(1234, row);
        Assert.Equal(row, read.Base[1234]);
        if (kind == SyntheticKind.TextLike)
        {
            Assert.All(read.Base, v => Assert.Equal(1.0, Math.Sqrt(v.Sum(x => (double)x * x)), 4));
        }

        for (int q = 0; q < read.Queries.Length; q++)
        {
            int[] expected = [.. BruteForce.TopK(read.Metric, read.Queries[q], read.Base.Select((v, i) => (i, v)), 10).Select(t => t.Id)];
            Assert.Equal(expected.Take(9), read.GroundTruth![q].Take(9));
        }
    }

    [Fact]
    public void Different_seeds_and_kinds_make_different_data_and_bad_sizes_are_refused()
    {
        float[] a = new float[16], b = new float[16], c = new float[16];
        new SyntheticData(SyntheticKind.Clustered, 100, 16, 1).Base(5, a);
        new SyntheticData(SyntheticKind.Clustered, 100, 16, 2).Base(5, b);
        new SyntheticData(SyntheticKind.Clustered, 100, 16, 1).Query(5, c);
        Assert.NotEqual(a, b);
        Assert.NotEqual(a, c);
        Assert.Throws<VectorEngineArgumentException>(() => new SyntheticData(SyntheticKind.Clustered, 0, 16, 1));
        Assert.Throws<VectorEngineArgumentException>(() => new SyntheticData(SyntheticKind.Clustered, 10, 1, 1));
    }

    /// <summary>
    /// A set written with --shape-n holds the first rows of the larger set exactly (its clusters follow the larger
    /// count: 1,000 at 10M rows), so a calibration on it is on the scale run's own data; a shape below --n is refused.
    /// </summary>
    [Fact]
    public void A_shaped_prefix_holds_the_larger_sets_first_rows()
    {
        var large = new SyntheticData(SyntheticKind.TextLike, 10_000_000, 48, 1);
        var shaped = new SyntheticData(SyntheticKind.TextLike, 5_000, 48, 1, shapeCount: 10_000_000);
        var unshaped = new SyntheticData(SyntheticKind.TextLike, 5_000, 48, 1);
        float[] whole = new float[48], prefix = new float[48], small = new float[48];
        int differing = 0;
        for (int row = 0; row < 200; row++)
        {
            large.Base(row, whole);
            shaped.Base(row, prefix);
            unshaped.Base(row, small);
            Assert.Equal(whole, prefix);
            differing += whole.SequenceEqual(small) ? 0 : 1;
        }

        // The first clusters are drawn alike whatever the count, and Zipf weights put many rows in them: most rows, not all, differ.
        Assert.True(differing > 100, $"{differing} of 200 rows differ from the 5,000-row set's");
        Assert.Equal("shape-n", Assert.Throws<VectorEngineArgumentException>(() => new SyntheticData(SyntheticKind.TextLike, 5_000, 48, 1, shapeCount: 4_000)).ParamName);
    }
}
