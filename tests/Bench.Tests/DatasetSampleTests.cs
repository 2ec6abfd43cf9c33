using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Bench.Datasets;

namespace VectorEngine.Bench.Tests;

/// <summary>
/// plan-check's <c>--shuffle</c>: every size a random sample of the data, nested in the next, instead of the file's
/// first rows (a file in time order is not a sample of itself).
/// </summary>
public sealed class DatasetSampleTests
{
    /// <summary>
    /// Whatever the rows and the seed: the same rows, each once, in an order the seed alone decides; the queries
    /// kept; no ground truth, since its row numbers no longer hold.
    /// </summary>
    [Property(MaxTest = 200)]
    public Property Shuffling_keeps_every_row_once_in_an_order_the_seed_decides()
    {
        Gen<(int Rows, int Seed)> cases = Gen.Zip(Gen.Choose(1, 300), Gen.Choose(0, 1_000));
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            Dataset data = Rows(c.Rows);
            Dataset once = data.Shuffled(c.Seed), again = data.Shuffled(c.Seed);
            return (once.Base.Select(r => r[0]).Order().SequenceEqual(data.Base.Select(r => r[0]))
                    && once.Base.SequenceEqual(again.Base)
                    && ReferenceEquals(once.Queries, data.Queries)
                    && once.GroundTruth is null && data.GroundTruth is not null)
                .Label($"{c.Rows} rows, seed {c.Seed}");
        });
    }

    /// <summary>
    /// A file whose second half is newer than its first: its first quarter holds none of the new rows, a quarter of the
    /// shuffled rows about half (binomial, 250 draws: within five standard deviations), for every seed tried.
    /// </summary>
    [Fact]
    public void A_shuffled_prefix_samples_the_whole_file()
    {
        Dataset data = Rows(1_000);
        Assert.DoesNotContain(data.Prefix(250).Base, r => r[0] >= 500);
        foreach (int seed in Enumerable.Range(0, 20))
        {
            int newer = data.Shuffled(seed).Prefix(250).Base.Count(r => r[0] >= 500);
            Assert.InRange(newer, 125 - 40, 125 + 40);
        }
    }

    /// <summary>Rows numbered 0 to <paramref name="count"/> - 1 in their first coordinate, in that order, with a ground truth.</summary>
    private static Dataset Rows(int count) => new()
    {
        Name = "ordered",
        Metric = DistanceMetric.L2,
        Base = [.. Enumerable.Range(0, count).Select(i => new float[] { i, 0 })],
        Queries = [[0, 0]],
        GroundTruth = [[0]],
    };
}
