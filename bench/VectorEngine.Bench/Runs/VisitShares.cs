using System.Text.Json.Serialization;

namespace VectorEngine.Bench.Runs;

/// <summary>
/// How unevenly a graph search read an index's rows: of every vector the queries scored, the share that fell on the
/// hottest rows, for the hottest 2^-k of the rows (k = <see cref="Steps"/>-1 down to 0). A cache holds the rows read
/// most, so this, not the index's size alone, decides how much of an index larger than a cache the cache still serves:
/// jobs-minilm at 24k points keeps most of its reads in a cache a third its size.
/// </summary>
/// <param name="Rows">The fraction of the index's rows, ascending (the last is 1).</param>
/// <param name="Visits">The share of scored vectors that fell on that fraction of the rows, hottest first (the last is 1).</param>
internal sealed record VisitShares([property: JsonPropertyName("rows")] double[] Rows, [property: JsonPropertyName("visits")] double[] Visits)
{
    /// <summary>Fractions of the rows kept: 2^-14 to 1.</summary>
    public const int Steps = 15;

    /// <summary>The shares of a per-row tally of scored vectors, or null when nothing was scored.</summary>
    /// <param name="tally">Per row, how often it was scored; reordered (sorted) in place.</param>
    public static VisitShares? Of(int[] tally)
    {
        long total = 0;
        foreach (int count in tally)
        {
            total += count;
        }

        if (total == 0)
        {
            return null;
        }

        Array.Sort(tally);
        Array.Reverse(tally);
        var rows = new double[Steps];
        var visits = new double[Steps];
        long sum = 0;
        int taken = 0;
        for (int step = 0; step < Steps; step++)
        {
            // A fraction of the rows that is not a whole number of them takes that part of the next row's reads, so
            // that even reads give every fraction its own share at any size.
            double fraction = Math.Pow(2, step - (Steps - 1));
            double upTo = fraction * tally.Length;
            while (taken + 1 <= upTo)
            {
                sum += tally[taken++];
            }

            double partial = taken < tally.Length ? (upTo - taken) * tally[taken] : 0;
            rows[step] = fraction;
            visits[step] = Math.Min(1, (sum + partial) / total);
        }

        return new VisitShares(rows, visits);
    }
}
