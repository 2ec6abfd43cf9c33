using Microsoft.Extensions.Time.Testing;
using VectorEngine.Hnsw;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tiers.Tests.Support;

/// <summary>
/// A database in a temporary folder with small segments, HNSW and the quantizers, a fake clock, no background
/// optimizer or mover (tests run passes themselves), and its cold archives in a local object store beside it.
/// </summary>
internal sealed class TieredDatabase : IDisposable
{
    public const int Dim = 32;
    public const int SegmentPoints = 600;

    private readonly TempDirectory _dir = Data.TempDir();

    public TieredDatabase(Action<VectorDatabaseOptions>? configure = null, IObjectStore? store = null)
    {
        ObjectsPath = System.IO.Path.Combine(_dir.Path, "objects");
        Objects = new LocalDirectoryObjectStore(ObjectsPath);
        Store = store ?? Objects;
        Configure = configure;
        Database = Open();
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    public string Path => System.IO.Path.Combine(_dir.Path, "db");

    public string ObjectsPath { get; }

    /// <summary>The real local store under the test's object store (which may wrap it).</summary>
    public LocalDirectoryObjectStore Objects { get; }

    public IObjectStore Store { get; set; }

    public Action<VectorDatabaseOptions>? Configure { get; }

    public VectorDatabase Database { get; private set; }

    public VectorDatabase Open()
    {
        var options = new VectorDatabaseOptions
        {
            MaxMutableSegmentPoints = SegmentPoints,
            EnableBackgroundOptimizer = false,
            EnableTierMover = false,
            TimeProvider = Clock,
            ObjectStore = Store,
        };
        options.UseQuantization();
        options.UseHnsw(new HnswParameters { M = 8, EfConstruction = 64, Ef = 64 });
        Configure?.Invoke(options);
        return VectorDatabase.Open(Path, options);
    }

    public void Reopen()
    {
        Database.Dispose();
        Database = Open();
    }

    /// <summary>Object keys in the real store.</summary>
    public List<string> ObjectKeys() =>
        Directory.Exists(ObjectsPath)
            ? [.. Directory.EnumerateFiles(ObjectsPath, "*.tar", SearchOption.AllDirectories).Select(f => System.IO.Path.GetRelativePath(ObjectsPath, f).Replace('\\', '/'))]
            : [];

    /// <summary>
    /// A collection of <paramref name="points"/> points in sealed segments of <see cref="SegmentPoints"/> (the last
    /// partial batch stays in the mutable segment), with an integer "n", a keyword "group" and a text "body" payload.
    /// </summary>
    public Collection Create(string name, int points, IndexSpec? index = null, TierPolicy? tiering = null, int seed = 7)
    {
        Collection collection = Database.CreateCollection(name, new CollectionOptions(Dim, DistanceMetric.L2)
        {
            Index = index,
            Tiering = tiering,
            PayloadIndexes = { ["group"] = PayloadIndexType.Keyword, ["n"] = PayloadIndexType.Integer, ["body"] = PayloadIndexType.Text },
        });
        foreach (Point[] batch in PointsFor(points, seed).Chunk(SegmentPoints))
        {
            collection.Upsert(batch);
        }

        return collection;
    }

    public static IEnumerable<Point> PointsFor(int count, int seed)
    {
        float[][] vectors = Data.RandomVectors(seed, count, Dim);
        for (int i = 0; i < count; i++)
        {
            yield return new Point((ulong)i, vectors[i], Payload(i));
        }
    }

    public static Payload Payload(int i) => new()
    {
        ["n"] = i,
        ["group"] = $"g{i % 5}",
        ["body"] = $"posting number {i} about {(i % 3 == 0 ? "rust" : "dotnet")} engineering",
        ["tags"] = PayloadValue.FromArray([(PayloadValue)"a", (PayloadValue)(i % 7), (PayloadValue)true]),
        ["at"] = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(i),
        ["score"] = i / 3.0,
        ["missing"] = PayloadValue.Null,
    };

    public void Dispose()
    {
        Database.Dispose();
        _dir.Dispose();
    }
}
