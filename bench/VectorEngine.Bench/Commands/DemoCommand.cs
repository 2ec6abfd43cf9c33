using System.CommandLine;
using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using VectorEngine.Embeddings;
using VectorEngine.Filters;
using VectorEngine.Matching;

namespace VectorEngine.Bench.Commands;

/// <summary>
/// <c>bench demo</c>: a real match on an embedded data directory. Real Hacker News job postings are embedded on this
/// machine (all-MiniLM-L6-v2 from the NuGet cache, no network) and stored durably; a resume is matched against them:
/// prefilter, hybrid candidates (dense + BM25), a rerank, and then the same match with a reranker made to time out,
/// to show what a degraded answer looks like. Run it twice: the second run reopens the postings from disk.
/// </summary>
internal static class DemoCommand
{
    private const string Resume =
        "Senior backend engineer. Seven years of Python and Go, PostgreSQL and Kafka, building data pipelines and APIs on " +
        "AWS with Kubernetes. Led a small platform team. Looking for a remote role at a product company.";

    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "Database directory", DefaultValueFactory = _ => new DirectoryInfo("./data") };
        var postings = new Option<int>("--postings") { Description = "Job postings to embed on the first run", DefaultValueFactory = _ => 1_000 };
        var dataset = new Option<DirectoryInfo>("--dataset")
        {
            Description = "The jobs-minilm-384-angular folder (its base.texts.jsonl.gz)",
            DefaultValueFactory = _ => new DirectoryInfo("../shared/data/jobs-minilm-384-angular"),
        };
        var command = new Command("demo", "Match a resume to real job postings embedded on this machine: prefilter, hybrid, rerank, degraded") { data, postings, dataset };
        command.SetAction(parse => Run(parse.GetValue(data)!, parse.GetValue(postings), parse.GetValue(dataset)!).GetAwaiter().GetResult());
        return command;
    }

    private static async Task<int> Run(DirectoryInfo dataDir, int count, DirectoryInfo dataset)
    {
        using ILoggerFactory logging = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        using VectorDatabase db = VectorDatabase.Open(dataDir.FullName, new VectorDatabaseOptions { LoggerFactory = logging });
        using var embedder = new OnnxEmbeddingGenerator(new OnnxEmbeddingOptions { Threads = Environment.ProcessorCount });
        Collection jobs = db.TryGetCollection("postings", out Collection? existing) && existing is not null
            ? existing
            : db.CreateCollection("postings", new CollectionOptions(embedder.Dimensions, DistanceMetric.Cosine)
            {
                PayloadIndexes =
                {
                    ["text"] = PayloadIndexType.Text,
                    ["remote"] = PayloadIndexType.Bool,
                    ["country"] = PayloadIndexType.Keyword,
                    ["posted"] = PayloadIndexType.DateTime,
                },
            });
        AnsiConsole.MarkupLineInterpolated($"Opened [bold]{db.Path}[/]: 'postings' holds {jobs.Count():N0} job postings; model {embedder.ModelId} on {embedder.ExecutionProvider}.");
        if (jobs.Count() == 0)
        {
            await Ingest(jobs, embedder, Path.Combine(dataset.FullName, "base.texts.jsonl.gz"), count);
        }

        var filter = new Filter { Must = { Condition.Match("remote", true) } };
        string[] required = ["python"];
        AnsiConsole.MarkupLine("\n[bold]Resume[/]: " + Markup.Escape(Resume));
        AnsiConsole.MarkupLine("[bold]Prefilter[/]: remote = true, and the posting must say \"python\".\n");

        // The rerank blends similarity and BM25 with a recency boost (half-life one year before the newest posting).
        DateTime newest = jobs.Scroll(new ScrollRequest { Limit = 10_000 }).Points.Max(p => p.Payload!["posted"].AsDateTime);
        var blend = new BlendReranker(new BlendWeights(1, 0.5), [PayloadBoost.Recency("posted", TimeSpan.FromDays(365), 0.15)], new FixedClock(newest));
        using var pipeline = new MatchPipeline(jobs, new MatchPipelineOptions { TextField = "text", Candidates = 30 }, embedder, blend);
        MatchResult matched = await pipeline.MatchAsync(new MatchRequest { Text = Resume, Filter = filter, RequiredTerms = required, Limit = 5 });
        Show("Reranked (blend of cosine, BM25 and recency)", matched);

        // The same match with a reranker that never answers in time, as a slow LLM would: the answer keeps the
        // hybrid order and says why; after a few such calls the circuit breaker stops asking it at all.
        using var stuck = new MatchPipeline(jobs, new MatchPipelineOptions { TextField = "text", Candidates = 30, RerankTimeout = TimeSpan.FromMilliseconds(250) }, embedder, new SlowReranker());
        MatchResult degraded = await stuck.MatchAsync(new MatchRequest { Text = Resume, Filter = filter, RequiredTerms = required, Limit = 5 });
        Show("The reranker made to time out (250 ms)", degraded);

        CollectionInfo info = jobs.GetInfo();
        AnsiConsole.MarkupLineInterpolated($"{info.PointCount:N0} postings in {info.SegmentCount} segments; WAL {info.WalBytes / 1024:N0} KiB. Run again: they are read back, not embedded again.");
        return 0;
    }

    private static async Task Ingest(Collection jobs, OnnxEmbeddingGenerator embedder, string texts, int count)
    {
        List<JsonElement> rows = ReadRows(texts, count);
        var clock = Stopwatch.StartNew();
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            ProgressTask task = progress.AddTask($"Embedding {rows.Count:N0} postings with {embedder.ModelId}", maxValue: rows.Count);
            foreach (JsonElement[] batch in rows.Chunk(64))
            {
                string[] batchTexts = batch.Select(r => r.GetProperty("text").GetString()!).ToArray();
                float[][] vectors = await embedder.EmbedManyAsync(batchTexts, CancellationToken.None);
                jobs.Upsert(batch.Select((r, i) => new Point((ulong)r.GetProperty("id").GetInt32(), vectors[i], new Payload
                {
                    ["text"] = batchTexts[i],
                    ["remote"] = r.GetProperty("remote").ValueKind == JsonValueKind.True,
                    ["country"] = r.GetProperty("country").GetString(),
                    ["posted"] = DateTime.ParseExact(r.GetProperty("month").GetString()! + "-01", "yyyy-MM-dd", null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal),
                })).ToList());
                task.Increment(batch.Length);
            }
        });
        AnsiConsole.MarkupLineInterpolated($"Embedded and stored {rows.Count:N0} postings in {clock.Elapsed.TotalSeconds:F0} s ({rows.Count / clock.Elapsed.TotalSeconds:F0}/s, durable).");
    }

    private static void Show(string title, MatchResult result)
    {
        var table = new Table().Title(title).AddColumns("#", "score", "hybrid rank", "cosine", "BM25", "posted", "posting");
        int rank = 1;
        foreach (MatchedPoint point in result.Points)
        {
            string text = point.Candidate.Payload!["text"].AsString.ReplaceLineEndings(" ");
            table.AddRow(
                (rank++).ToString(),
                point.Score.ToString("F3"),
                point.Candidate.CandidateRank.ToString(),
                point.Candidate.VectorScore?.ToString("F3") ?? "-",
                point.Candidate.TextScore?.ToString("F1") ?? "-",
                point.Candidate.Payload["posted"].AsDateTime.ToString("yyyy-MM"),
                Markup.Escape(text.Length > 70 ? text[..70] + "…" : text));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(result.Degraded
            ? $"[yellow]degraded[/]: {Markup.Escape(result.DegradedReason!)}"
            : "[green]not degraded[/]");
        AnsiConsole.MarkupLineInterpolated($"[grey]embed {result.Timings.Embed.TotalMilliseconds:F0} ms, candidates {result.Timings.Candidates.TotalMilliseconds:F1} ms, rerank {result.Timings.Rerank.TotalMilliseconds:F0} ms[/]\n");
    }

    private static List<JsonElement> ReadRows(string path, int count)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The demo reads job postings from {path}; pass --dataset with the jobs-minilm-384-angular folder.", path);
        }

        // Evenly spaced over the file, which is in month order, so the postings span 2013 to 2018.
        string[] lines = ReadLines(path).ToArray();
        int step = Math.Max(1, lines.Length / Math.Max(1, count));
        var rows = new List<JsonElement>(count);
        for (int i = 0; i < lines.Length && rows.Count < count; i += step)
        {
            using JsonDocument row = JsonDocument.Parse(lines[i]);
            rows.Add(row.RootElement.Clone());
        }

        return rows;
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }

    /// <summary>Stands in for a remote LLM that has stopped answering in time.</summary>
    private sealed class SlowReranker : IReranker
    {
        public string Name => "slow-llm";

        public async Task<IReadOnlyList<double>> ScoreAsync(MatchQuery query, IReadOnlyList<MatchCandidate> candidates, CancellationToken cancellationToken)
        {
            await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            return candidates.Select(_ => 0.0).ToArray();
        }
    }

    private sealed class FixedClock(DateTime now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(now);
    }
}
