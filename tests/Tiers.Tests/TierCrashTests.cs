using VectorEngine.CrashHost;
using VectorEngine.Tests.TestKit;
using Xunit.Abstractions;

namespace VectorEngine.Tiers.Tests;

/// <summary>
/// Kills a real child process (VectorEngine.CrashHost, tiers mode) with SIGKILL while it moves segments between hot,
/// warm and cold, then opens the database: every point is there with its vector and payload, every segment's files
/// match its tier, and the object store holds exactly the archives of the cold segments.
/// </summary>
public sealed class TierCrashTests(ITestOutputHelper output)
{
    private const int Rounds = 10;

    [Fact]
    public void Sigkill_in_the_middle_of_demotions_and_promotions_loses_nothing_and_leaves_no_orphan_objects()
    {
        using TempDirectory dir = Data.TempDir();
        string dbPath = Path.Combine(dir.Path, "db");
        string objects = Path.Combine(dir.Path, "objects");
        string host = Path.Combine(AppContext.BaseDirectory, "VectorEngine.CrashHost.dll");
        var random = new Random(2026);
        int totalMoves = 0;
        for (int round = 1; round <= Rounds; round++)
        {
            int moves = 0;
            using var child = new KillableChild([host, "tiers", dbPath, objects, round.ToString()], line =>
            {
                if (line.StartsWith("MOVED ", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref moves);
                }
            });
            bool opened = child.WaitReady(TimeSpan.FromSeconds(120));
            if (opened)
            {
                Thread.Sleep(random.Next(50, 900));
            }

            Assert.True(child.KillAndWait(), $"round {round}: child did not die, or its output did not close");
            Assert.True(opened, $"round {round}: child did not open the database: {child.Stderr}");
            totalMoves += moves;
            Verify(dbPath, objects, round);
        }

        output.WriteLine($"{Rounds} kills after {totalMoves} completed moves");
        Assert.True(totalMoves >= Rounds, "the children moved too few segments for the kills to land in moves");
    }

    private static void Verify(string dbPath, string objects, int round)
    {
        using VectorDatabase db = VectorDatabase.Open(dbPath, TierCrashHost.Options(objects));
        Collection c = db.GetCollection(TierCrashHost.Collection);
        IReadOnlyList<SegmentTierInfo> tiers = c.GetSegmentTiers();

        // Opening swept orphans: exactly one archive per cold segment.
        string[] keys = Directory.Exists(objects) ? Directory.GetFiles(objects, "*.tar", SearchOption.AllDirectories) : [];
        Assert.True(keys.Length == tiers.Count(t => t.Tier == SegmentTier.Cold),
            $"round {round}: {keys.Length} objects for {tiers.Count(t => t.Tier == SegmentTier.Cold)} cold segments ({string.Join(", ", tiers)})");

        // A cold segment keeps only its ids and tombstones locally; the others have their vectors.
        string segments = Path.Combine(dbPath, "collections", TierCrashHost.Collection, "segments");
        foreach (SegmentTierInfo t in tiers)
        {
            string[] files = [.. Directory.GetFiles(Path.Combine(segments, t.SegmentId.ToString("D8"))).Select(Path.GetFileName).OfType<string>()];
            Assert.True(t.Tier == SegmentTier.Cold ? files.Order().SequenceEqual(["deleted.bin", "ids.bin"]) : files.Contains("vectors.bin"),
                $"round {round}: segment {t.SegmentId} ({t.Tier}) holds {string.Join(", ", files)}");
        }

        IReadOnlyList<PointRecord> points = c.Get(Enumerable.Range(0, TierCrashHost.Points).Select(i => (PointId)(ulong)i), withVector: true);
        Assert.Equal(TierCrashHost.Points, points.Count);
        foreach (PointRecord p in points)
        {
            Assert.Equal(TierCrashHost.VectorOf(p.Id.Number), p.Vector);
            Assert.Equal((long)p.Id.Number, p.Payload!["n"].AsInteger);
        }

        Assert.Equal(5, c.Search(TierCrashHost.VectorOf(7), 5).Count);
    }
}
