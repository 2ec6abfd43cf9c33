using VectorEngine.Hnsw;
using System.CommandLine;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using VectorEngine.Filters;

namespace VectorEngine.Bench.Commands;

/// <summary>
/// <c>bench demo</c>: the embedded engine end to end on a data directory. Creates (or reopens) a collection of
/// synthetic "job posting" vectors, upserts them durably, and runs filtered searches. Running it twice shows recovery.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "Database directory", DefaultValueFactory = _ => new DirectoryInfo("./data") };
        var points = new Option<int>("--points") { Description = "Points to upsert", DefaultValueFactory = _ => 20_000 };
        var command = new Command("demo", "Run the embedded engine on a data directory: upsert, filter, search") { data, points };
        command.SetAction(parse => Run(parse.GetValue(data)!, parse.GetValue(points)));
        return command;
    }

    private static int Run(DirectoryInfo dataDir, int count)
    {
        const int Dim = 128;
        using ILoggerFactory logging = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        using VectorDatabase db = VectorDatabase.Open(dataDir.FullName, new VectorDatabaseOptions { LoggerFactory = logging }.UseHnsw());
        Collection jobs = db.TryGetCollection("jobs", out Collection? existing) && existing is not null
            ? existing
            : db.CreateCollection("jobs", new CollectionOptions(Dim, DistanceMetric.Cosine)
            {
                PayloadIndexes = { ["country"] = PayloadIndexType.Keyword, ["posted"] = PayloadIndexType.DateTime, ["salary"] = PayloadIndexType.Integer },
            });
        AnsiConsole.MarkupLineInterpolated($"Opened [bold]{db.Path}[/]: collection 'jobs' holds {jobs.Count():N0} points.");

        // Synthetic embeddings: each job is a noisy copy of one of 50 "role" directions.
        var random = new Random(7);
        float[][] roles = Enumerable.Range(0, 50).Select(_ => RandomVector(random, Dim)).ToArray();
        string[] countries = ["DE", "FR", "US", "IN", "BR", "JP"];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int start = 0; start < count; start += 1_000)
        {
            var batch = new List<Point>();
            for (int i = start; i < Math.Min(count, start + 1_000); i++)
            {
                float[] v = roles[i % roles.Length].Select(x => x + (0.3f * (float)(random.NextDouble() - 0.5))).ToArray();
                batch.Add(new Point((ulong)i, v, new Payload
                {
                    ["title"] = $"Role {i % roles.Length} #{i}",
                    ["country"] = countries[(i / roles.Length) % countries.Length],
                    ["salary"] = 30_000 + (i * 7_919 % 90_000),
                    ["posted"] = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(i / 7 % 300),
                }));
            }

            jobs.Upsert(batch);
        }

        AnsiConsole.MarkupLineInterpolated($"Upserted {count:N0} points durably in {clock.ElapsedMilliseconds:N0} ms; collection holds {jobs.Count():N0}.");

        float[] resume = roles[3];
        var filter = new Filter
        {
            Must = { Condition.Match("country", "DE"), Condition.Range("salary", gte: 60_000) },
            MustNot = { Condition.DateTimeRange("posted", lt: new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc)) },
        };
        IReadOnlyList<ScoredPoint> hits = jobs.Search(new SearchRequest(resume, 5) { Filter = filter });
        var table = new Table().AddColumns("id", "score", "title", "country", "salary", "posted");
        foreach (ScoredPoint hit in hits)
        {
            Payload p = hit.Payload!;
            table.AddRow(hit.Id.ToString(), hit.Score.ToString("F4"), p["title"].AsString, p["country"].AsString,
                p["salary"].AsInteger.ToString(), p["posted"].AsDateTime.ToString("yyyy-MM-dd"));
        }

        AnsiConsole.MarkupLine("Best matches for a role-3 resume, in Germany, salary >= 60k, posted since March:");
        AnsiConsole.Write(table);
        CollectionInfo info = jobs.GetInfo();
        AnsiConsole.MarkupLineInterpolated($"{info.PointCount:N0} points in {info.SegmentCount} segments; WAL {info.WalBytes / 1024:N0} KiB.");
        return 0;
    }

    private static float[] RandomVector(Random random, int dim) =>
        Enumerable.Range(0, dim).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
}
