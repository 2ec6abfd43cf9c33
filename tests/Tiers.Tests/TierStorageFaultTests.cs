using VectorEngine.FaultInjection;
using VectorEngine.Hnsw;
using VectorEngine.Storage;
using VectorEngine.Tests.TestKit;
using Xunit.Abstractions;

namespace VectorEngine.Tiers.Tests;

/// <summary>
/// Fails each local file call of a tier move in turn (a write, a full disk, a file or folder fsync, a rename, the power)
/// through the fault-injecting file system, then checks three ways on: the same process (the move retried at once), a
/// process killed right after (what it left visible) and a power loss (only what was durable). Every time the segment
/// is whole in its old tier or its new one, nothing is lost, the store holds exactly the cold segments' archives once
/// the database has opened, and the move then succeeds and holds.
/// </summary>
public sealed class TierStorageFaultTests(ITestOutputHelper output)
{
    private const int Dim = 8;
    private const int SegmentPoints = 60;
    private const int Points = 150;
    private const string Name = "c";

    private static readonly FaultKind[] Kinds =
        [FaultKind.FailWrite, FaultKind.DiskFull, FaultKind.FailFileSync, FaultKind.FailDirectorySync, FaultKind.FailRename, FaultKind.PowerLoss];

    private static readonly float[][] Vectors = Data.RandomVectors(11, Points, Dim);

    private enum After
    {
        /// <summary>The same process checks, then moves again.</summary>
        Retry,

        /// <summary>The process dies: the next one opens what the failed move left visible.</summary>
        Kill,

        /// <summary>The power goes: the next boot sees only what was durable.</summary>
        PowerLoss,
    }

    public static TheoryData<SegmentTier, SegmentTier> Moves => new()
    {
        { SegmentTier.Hot, SegmentTier.Warm },
        { SegmentTier.Warm, SegmentTier.Cold },
        { SegmentTier.Cold, SegmentTier.Hot },
        { SegmentTier.Hot, SegmentTier.Cold },
        { SegmentTier.Cold, SegmentTier.Warm },
        { SegmentTier.Warm, SegmentTier.Hot },
    };

    [Theory]
    [MemberData(nameof(Moves))]
    public void A_failure_at_any_file_call_of_a_move_leaves_the_segment_whole_in_one_tier_and_the_move_can_be_done_again(SegmentTier from, SegmentTier to)
    {
        using TempDirectory dir = Data.TempDir();
        string template = Path.Combine(dir.Path, "template");
        int segment = BuildTemplate(template, from);
        Dictionary<FaultKind, long> calls = CountCalls(template, Path.Combine(dir.Path, "count"), segment, to);
        Assert.True(calls[FaultKind.FailRename] > 0 && calls[FaultKind.FailFileSync] > 0, $"{from} -> {to} made no rename or fsync: nothing to fail");

        int cases = 0;
        foreach ((FaultKind kind, long skip, After after) in Cases(calls, FullSweep))
        {
            string caseDir = Path.Combine(dir.Path, $"case-{cases++}");
            CopyDirectory(template, caseDir);
            RunCase(caseDir, segment, from, to, kind, skip, after);
            Directory.Delete(caseDir, recursive: true);
        }

        output.WriteLine($"{from} -> {to}: {cases} cases over {string.Join(", ", calls.Select(c => $"{c.Value} {c.Key}"))}{(FullSweep ? " (full sweep)" : "")}");
    }

    /// <summary>VECTORENGINE_FULL_FAULT_SWEEP=1 fails every call of every kind and checks each three ways (minutes, not seconds).</summary>
    private static bool FullSweep => Environment.GetEnvironmentVariable("VECTORENGINE_FULL_FAULT_SWEEP") == "1";

    /// <summary>
    /// Every fsync, folder fsync and rename, each followed three ways. Writes are mostly the archive's chunks, alike:
    /// a full disk or an I/O error on each in turn, alternating, each followed one way in rotation, at most 12 of them
    /// spread from the first to the last. A power loss at up to 16 calls spread from the first to the last.
    /// </summary>
    private static IEnumerable<(FaultKind Kind, long Skip, After After)> Cases(Dictionary<FaultKind, long> calls, bool full)
    {
        After[] all = Enum.GetValues<After>();
        foreach (FaultKind kind in new[] { FaultKind.FailFileSync, FaultKind.FailDirectorySync, FaultKind.FailRename })
        {
            for (long skip = 0; skip < calls[kind]; skip++)
            {
                foreach (After after in all)
                {
                    yield return (kind, skip, after);
                }
            }
        }

        long writes = calls[FaultKind.FailWrite];
        foreach (long skip in Spread(writes, full ? writes : 12))
        {
            if (full)
            {
                foreach (FaultKind kind in new[] { FaultKind.FailWrite, FaultKind.DiskFull })
                {
                    foreach (After after in all)
                    {
                        yield return (kind, skip, after);
                    }
                }
            }
            else
            {
                yield return (skip % 2 == 0 ? FaultKind.DiskFull : FaultKind.FailWrite, skip, all[skip % all.Length]);
            }
        }

        long power = calls[FaultKind.PowerLoss];
        foreach (long skip in Spread(power, full ? power : 16))
        {
            yield return (FaultKind.PowerLoss, skip, After.PowerLoss);
        }
    }

    /// <summary>Up to <paramref name="most"/> of 0..<paramref name="count"/>-1, evenly spread, the first and last included.</summary>
    private static IEnumerable<long> Spread(long count, long most)
    {
        if (count <= most)
        {
            for (long i = 0; i < count; i++)
            {
                yield return i;
            }

            yield break;
        }

        long previous = -1;
        for (long i = 0; i < most; i++)
        {
            long at = i * (count - 1) / (most - 1);
            if (at != previous)
            {
                yield return previous = at;
            }
        }
    }

    private static void RunCase(string caseDir, int segment, SegmentTier from, SegmentTier to, FaultKind kind, long skip, After after)
    {
        string dbPath = Path.Combine(caseDir, "db");
        string objects = Path.Combine(caseDir, "objects");
        var fs = new FaultInjectingFileSystem(dbPath, new Fault(FaultKind.None, 0), seed: (int)skip);
        VectorDatabase db = VectorDatabase.Open(dbPath, Options(objects, fs));
        Collection collection = db.GetCollection(Name);
        fs.Arm(kind, skip);
        Exception? error = Record.Exception(() => collection.MoveSegment(segment, to));
        string what = $"{from} -> {to}, {kind} #{skip + 1} ({fs.Fired ?? "did not fire"}), then {after}";
        Assert.True(fs.Fired is not null, what);
        Assert.True(error is null or IOException or StorageFailureException, $"{what}: {error}");

        switch (after)
        {
            case After.Retry:
                AssertTierIsOneOf(collection, segment, what, from, to);
                AssertEveryPoint(collection, segment, what);
                collection.MoveSegment(segment, to);
                AssertTierIsOneOf(collection, segment, what, to);

                // The retried move is durable: a power loss now keeps it.
                fs.CrashNow();
                db.Dispose();
                fs.RestoreDurableState();
                Reopen(dbPath, objects, segment, what, to);
                break;

            case After.Kill:
                db.Dispose();
                Reopen(dbPath, objects, segment, what, from, to);
                break;

            case After.PowerLoss:
                fs.CrashNow();
                db.Dispose();
                fs.RestoreDurableState();
                Reopen(dbPath, objects, segment, what, from, to);
                break;
        }
    }

    /// <summary>Opens the database as the next process or boot would, checks it, then makes the move (that it is then durable is the retry case's check).</summary>
    private static void Reopen(string dbPath, string objects, int segment, string what, params SegmentTier[] allowed)
    {
        SegmentTier to = allowed[^1];
        using (VectorDatabase db = VectorDatabase.Open(dbPath, Options(objects, fs: null)))
        {
            Collection collection = db.GetCollection(Name);
            AssertTierIsOneOf(collection, segment, what + ", reopened", allowed);
            AssertFilesAndObjects(collection, dbPath, objects, what + ", reopened");
            AssertEveryPoint(collection, segment, what + ", reopened");
            collection.MoveSegment(segment, to);
            AssertTierIsOneOf(collection, segment, what + ", moved again", to);
        }
    }

    private static void AssertTierIsOneOf(Collection collection, int segment, string what, params SegmentTier[] allowed)
    {
        SegmentTier tier = collection.GetSegmentTiers().Single(t => t.SegmentId == segment).Tier;
        Assert.True(allowed.Contains(tier), $"{what}: segment {segment} is {tier}, expected {string.Join(" or ", allowed)}");
    }

    /// <summary>A cold segment keeps only its ids and tombstones locally, the others their vectors; one archive per cold segment.</summary>
    private static void AssertFilesAndObjects(Collection collection, string dbPath, string objects, string what)
    {
        IReadOnlyList<SegmentTierInfo> tiers = collection.GetSegmentTiers();
        string segments = Path.Combine(dbPath, "collections", Name, "segments");
        foreach (SegmentTierInfo t in tiers)
        {
            string[] files = [.. Directory.GetFiles(Path.Combine(segments, t.SegmentId.ToString("D8"))).Select(Path.GetFileName).OfType<string>().Order()];
            Assert.True(t.Tier == SegmentTier.Cold ? files.SequenceEqual(["deleted.bin", "ids.bin"]) : files.Contains("vectors.bin"),
                $"{what}: segment {t.SegmentId} ({t.Tier}) holds {string.Join(", ", files)}");
        }

        int archives = Directory.Exists(objects) ? Directory.GetFiles(objects, "*", SearchOption.AllDirectories).Length : 0;
        int cold = tiers.Count(t => t.Tier == SegmentTier.Cold);
        Assert.True(archives == cold, $"{what}: {archives} files in the object store for {cold} cold segments");
    }

    /// <summary>Every point with its exact vector and payload; the segment's own points found by search (which may fetch it back from cold).</summary>
    private static void AssertEveryPoint(Collection collection, int segment, string what)
    {
        Assert.True(collection.Count() == Points, $"{what}: {collection.Count()} points");
        IReadOnlyList<PointRecord> records = collection.Get(Enumerable.Range(0, Points).Select(i => (PointId)(ulong)i), withVector: true);
        Assert.True(records.Count == Points, $"{what}: {records.Count} points read back");
        foreach (PointRecord record in records)
        {
            int i = (int)record.Id.Number;
            Assert.True(Vectors[i].AsSpan().SequenceEqual(record.Vector), $"{what}: vector of point {i}");
            Assert.True(record.Payload!["n"].AsInteger == i && record.Payload["body"].AsString == Body(i), $"{what}: payload of point {i}");
        }

        int first = (segment - FirstSegment(collection)) * SegmentPoints;
        foreach (int i in new[] { first, first + (SegmentPoints / 2), first + SegmentPoints - 1 })
        {
            SearchResults hits = collection.Search(new SearchRequest(Vectors[i], 1));
            Assert.True(hits.Count == 1 && hits[0].Id.Number == (ulong)i, $"{what}: search for point {i}'s own vector");
        }
    }

    private static int FirstSegment(Collection collection) => collection.GetSegmentTiers().Min(t => t.SegmentId);

    private static int BuildTemplate(string template, SegmentTier from)
    {
        using VectorDatabase db = VectorDatabase.Open(Path.Combine(template, "db"), Options(Path.Combine(template, "objects"), fs: null));
        Collection collection = db.CreateCollection(Name, new CollectionOptions(Dim, DistanceMetric.L2)
        {
            PayloadIndexes = { ["n"] = PayloadIndexType.Integer, ["body"] = PayloadIndexType.Text },
        });
        var points = Enumerable.Range(0, Points).Select(i => new Point((ulong)i, Vectors[i], new Payload { ["n"] = i, ["body"] = Body(i) })).ToList();
        foreach (Point[] batch in points.Chunk(SegmentPoints))
        {
            collection.Upsert(batch);
        }

        Assert.Equal(2, collection.GetSegmentTiers().Count);
        int segment = FirstSegment(collection);
        collection.MoveSegment(segment, from);
        return segment;
    }

    /// <summary>The calls of each kind the move makes when nothing fails.</summary>
    private static Dictionary<FaultKind, long> CountCalls(string template, string dir, int segment, SegmentTier to)
    {
        CopyDirectory(template, dir);
        var fs = new FaultInjectingFileSystem(Path.Combine(dir, "db"), new Fault(FaultKind.None, 0), seed: 1);
        using VectorDatabase db = VectorDatabase.Open(Path.Combine(dir, "db"), Options(Path.Combine(dir, "objects"), fs));
        Collection collection = db.GetCollection(Name);
        Dictionary<FaultKind, long> before = Kinds.ToDictionary(k => k, fs.MatchingCalls);
        collection.MoveSegment(segment, to);
        return Kinds.ToDictionary(k => k, k => fs.MatchingCalls(k) - before[k]);
    }

    private static VectorDatabaseOptions Options(string objects, IFileSystem? fs)
    {
        var options = new VectorDatabaseOptions
        {
            MaxMutableSegmentPoints = SegmentPoints,
            EnableBackgroundOptimizer = false,
            EnableTierMover = false,
            ObjectStore = new LocalDirectoryObjectStore(objects),
            WarmPayloadMemoryBytes = 2L << 20,
        };
        if (fs is not null)
        {
            options.FileSystem = fs;
        }

        options.UseQuantization();
        options.UseHnsw(new HnswParameters { M = 8, EfConstruction = 32, Ef = 64 });
        return options;
    }

    private static string Body(int i) => $"posting {i} about {(i % 2 == 0 ? "search" : "storage")}";

    private static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (string file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        foreach (string folder in Directory.GetDirectories(source))
        {
            CopyDirectory(folder, Path.Combine(destination, Path.GetFileName(folder)));
        }
    }
}
