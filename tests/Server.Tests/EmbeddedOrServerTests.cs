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
            using IVectorDatabase db = VectorEngineConnection.Open(target);
            outcomes.Add(await Exercise(db));
        }

        Assert.Equal(outcomes[0], outcomes[1]);
    }

    private static async Task<string> Exercise(IVectorDatabase db)
    {
        var options = new CollectionOptions(4, DistanceMetric.Cosine);
        options.PayloadIndexes["lang"] = PayloadIndexType.Keyword;
        IVectorCollection docs = await db.CreateCollectionAsync("docs", options);
        float[][] vectors = Data.RandomVectors(9, 100, 4);
        await docs.UpsertAsync(vectors.Select((v, i) => new Point((ulong)i, v, new Payload { ["lang"] = i % 4 == 0 ? "de" : "en" })).ToArray());
        var german = new Filter { Must = [Condition.Match("lang", "de")] };
        var log = new List<string>
        {
            string.Join(",", await db.ListCollectionsAsync()),
            $"{await docs.CountAsync()} {await docs.CountAsync(german)}",
            string.Join(",", (await docs.SearchAsync(new SearchRequest(vectors[8], 3) { Filter = german })).Select(h => $"{h.Id}:{h.Score:F4}")),
            string.Join(",", (await docs.ScrollAsync(new ScrollRequest { Limit = 5, Filter = german })).Points.Select(p => p.Id)),
            string.Join(",", (await docs.GetAsync([3UL, 4UL, 500UL])).Select(p => $"{p.Id}:{p.Payload!["lang"]}")),
            $"{await docs.DeleteAsync([1UL, 2UL])} {await docs.DeleteAsync(german)} {(await docs.GetInfoAsync()).PointCount}",
        };

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
