using System.Globalization;
using VectorEngine.Hnsw;
using VectorEngine.Quantization;
using VectorEngine.Tiers;

namespace VectorEngine.CrashHost;

/// <summary>
/// Tier crash-test child: on first run loads <see cref="Points"/> points into small sealed segments, then moves random
/// segments between random tiers (and searches) until killed, printing "MOVED segment tier" after each move. The test
/// kills it with SIGKILL mid-move and checks that every point survived and no object is left without a segment.
/// </summary>
public static class TierCrashHost
{
    public const int Points = 1500;
    public const int Dim = 16;
    public const string Collection = "tiers";

    /// <summary>The options the child and the checking test open the database with.</summary>
    public static VectorDatabaseOptions Options(string objectsPath)
    {
        var options = new VectorDatabaseOptions
        {
            MaxMutableSegmentPoints = 300,
            EnableBackgroundOptimizer = false,
            EnableTierMover = false,
            ObjectStore = new LocalDirectoryObjectStore(objectsPath),
        };
        options.UseQuantization();
        options.UseHnsw(new HnswParameters { M = 8, EfConstruction = 32 });
        return options;
    }

    /// <summary>Point <paramref name="id"/>'s vector: the same in the child and the test.</summary>
    public static float[] VectorOf(ulong id)
    {
        var random = new Random((int)id + 1);
        return [.. Enumerable.Range(0, Dim).Select(_ => (float)random.NextDouble())];
    }

    public static void Run(string dbPath, string objectsPath, int round)
    {
        using VectorDatabase db = VectorDatabase.Open(dbPath, Options(objectsPath));
        if (!db.TryGetCollection(Collection, out Collection? collection) || collection is null)
        {
            collection = db.CreateCollection(Collection, new CollectionOptions(Dim, DistanceMetric.L2) { PayloadIndexes = { ["n"] = PayloadIndexType.Integer } });
            for (ulong first = 0; first < Points; first += 300)
            {
                collection.Upsert([.. Enumerable.Range(0, 300).Select(i => first + (ulong)i)
                    .Select(id => new Point(id, VectorOf(id), new Payload { ["n"] = (long)id, ["s"] = id.ToString(CultureInfo.InvariantCulture) }))]);
            }
        }

        Console.WriteLine("READY");
        var random = new Random(round);
        SegmentTier[] tiers = [SegmentTier.Hot, SegmentTier.Warm, SegmentTier.Cold];
        while (true)
        {
            IReadOnlyList<SegmentTierInfo> segments = collection.GetSegmentTiers();
            SegmentTierInfo segment = segments[random.Next(segments.Count)];
            SegmentTier target = tiers[random.Next(tiers.Length)];
            collection.MoveSegment(segment.SegmentId, target);
            Console.WriteLine($"MOVED {segment.SegmentId} {target}");
            if (random.Next(4) == 0)
            {
                collection.Search(VectorOf((ulong)random.Next(Points)), 5);
            }
        }
    }
}
