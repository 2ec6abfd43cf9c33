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
}
