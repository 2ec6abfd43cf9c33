using VectorEngine.Client;
using VectorEngine.Filters;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Server.Tests;

/// <summary>One body of code against IVectorDatabase, run embedded and through a server: same answers, same errors.</summary>
public sealed class EmbeddedOrServerTests
{
    [Fact]
    public async Task The_same_code_gives_the_same_results_embedded_and_remote()
    {
        using TempDirectory embeddedDir = Data.TempDir();
        await using ServerHarness server = await ServerHarness.StartAsync();
        var outcomes = new List<string>();
        foreach (string target in new[] { "embedded:" + embeddedDir.Path, server.Address })
        {
            await using IVectorDatabase db = VectorEngineConnection.Open(target);
            outcomes.Add(await Exercise(db));
        }

        Assert.Equal(outcomes[0], outcomes[1]);
        Assert.Contains(" | 50 25 | ", outcomes[0]); // text filters: "rust engineer" (stemmed) and "krakow" (folded)
        Assert.Contains(" | 0,4,8,12,16,20,24,28,32,36,40,44,48,52,56,60,64,68,72,76,80,84,88,92,96 | ", outcomes[0]); // streamed in pages of 7
    }

    private static async Task<string> Exercise(IVectorDatabase db)
    {
        var options = new CollectionOptions(4, DistanceMetric.Cosine);
        options.PayloadIndexes["lang"] = PayloadIndexType.Keyword;
        options.PayloadIndexes["body"] = PayloadIndexType.Text;
        options.PayloadIndexes["code"] = PayloadIndexType.Text;
        options.TextAnalyzers["code"] = TextAnalyzerOptions.Plain with { MaxTokenLength = 8 };
        IVectorCollection docs = await db.CreateCollectionAsync("docs", options);
        float[][] vectors = Data.RandomVectors(9, 100, 4);
        string[] bodies = ["Senior Rust engineers wanted", "Kotlin developer in Kraków", "Data engineering with Rust and Go", "The ML platform team"];
        await docs.UpsertAsync(vectors.Select((v, i) => new Point((ulong)i, v, new Payload
        {
            ["lang"] = i % 4 == 0 ? "de" : "en",
            ["body"] = bodies[i % bodies.Length] + " #" + i,
            ["code"] = "the-" + (i % 3),
        })).ToArray());
        var rust = new Filter { Must = [Condition.Text("body", "rust engineer"), Condition.Text("code", "the")] };
        var german = new Filter { Must = [Condition.Match("lang", "de")] };
        var log = new List<string>
        {
            string.Join(",", await db.ListCollectionsAsync()),
            $"{await docs.CountAsync()} {await docs.CountAsync(german)}",
            string.Join(",", (await docs.SearchAsync(new SearchRequest(vectors[8], 3) { Filter = german })).Select(h => $"{h.Id}:{h.Score:F4}")),
            string.Join(",", (await docs.ScrollAsync(new ScrollRequest { Limit = 5, Filter = german })).Points.Select(p => p.Id)),
            string.Join(",", await docs.ScrollAllAsync(german, withPayload: false, pageSize: 7).Select(p => p.Id.ToString()).ToListAsync()),
            string.Join(",", (await docs.GetAsync([3UL, 4UL, 500UL])).Select(p => $"{p.Id}:{p.Payload!["lang"]}")),
            $"{await docs.CountAsync(rust)} {await docs.CountAsync(new Filter { Must = [Condition.Text("body", "krakow")] })}",
            string.Join(",", (await docs.QueryAsync(new HybridQuery(6, new VectorPrefetch(vectors[8], 10) { Filter = german }, new TextPrefetch("body", "rust engineering", 10) { Weight = 2 })
            {
                Fusion = Fusion.WeightedScores(),
            })).Select(p => $"{p.Id}:{p.Score:F4}:{string.Join('/', p.StageRanks)}:{p.Payload!["lang"]}")),
            string.Join(",", (await docs.QueryAsync(new HybridQuery(3, new TextPrefetch("body", "kotlin", 3)) { WithPayload = false })).Select(p => $"{p.Id}:{p.StageScores[0]:F4}:{p.Payload is null}")),
            $"{await docs.DeleteAsync([1UL, 2UL])} {await docs.DeleteAsync(german)} {(await docs.GetInfoAsync()).PointCount}",
        };
        using (var cancelled = new CancellationTokenSource())
        {
            await cancelled.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (PointRecord _ in docs.ScrollAllAsync(cancellationToken: cancelled.Token))
                {
                }
            });
        }

        VectorEngineArgumentException notText = await Assert.ThrowsAnyAsync<VectorEngineArgumentException>(() =>
            docs.QueryAsync(new HybridQuery(3, new TextPrefetch("lang", "de", 3))));
        log.Add(notText.ParamName ?? "no field");

        VectorEngineException duplicate = await Assert.ThrowsAnyAsync<VectorEngineException>(() => db.CreateCollectionAsync("docs", options));
        log.Add(duplicate.Kind.ToString());
        VectorEngineArgumentException wrong = await Assert.ThrowsAnyAsync<VectorEngineArgumentException>(() =>
            docs.UpsertAsync([new Point(7UL, [1f, 2f])]));
        log.Add(wrong.ParamName ?? "no field");
        await db.DropCollectionAsync("docs");
        log.Add(string.Join(",", await db.ListCollectionsAsync()));
        return string.Join(" | ", log);
    }
}
