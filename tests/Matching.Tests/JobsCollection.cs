using VectorEngine.Embeddings;
using VectorEngine.Embeddings.Tests;

namespace VectorEngine.Matching.Tests;

/// <summary>
/// 200 real job postings in an embedded collection (their stored MiniLM vectors, a Text index on the posting, a remote
/// flag and a posting date), and the real MiniLM generator for query text. Shared by the tests of a class.
/// </summary>
public sealed class JobsCollection : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ve-match-").FullName;
    private readonly VectorDatabase _db;

    public JobsCollection()
    {
        _db = VectorDatabase.Open(_folder);
        Jobs = _db.CreateCollection("jobs", new CollectionOptions(384, DistanceMetric.Cosine)
        {
            PayloadIndexes = { ["text"] = PayloadIndexType.Text, ["remote"] = PayloadIndexType.Bool, ["posted"] = PayloadIndexType.DateTime },
        });
        Jobs.Upsert(JobsFixture.All.Select(r => new Point((ulong)r.Id, r.Vector, new Payload
        {
            ["text"] = r.Text,
            ["remote"] = r.Text.Contains("remote", StringComparison.OrdinalIgnoreCase),
            ["posted"] = Epoch.AddDays(r.Id % 365),
        })).ToList());
    }

    public static DateTime Epoch { get; } = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public Collection Jobs { get; }

    public OnnxEmbeddingGenerator Embedder { get; } = new(new OnnxEmbeddingOptions { Threads = 2 });

    public void Dispose()
    {
        Embedder.Dispose();
        _db.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
