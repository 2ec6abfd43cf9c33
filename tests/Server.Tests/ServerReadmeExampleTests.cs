using VectorEngine.Client;
using VectorEngine.Filters;

namespace VectorEngine.Server.Tests;

/// <summary>The README's client example, verbatim apart from the address, against a real server.</summary>
public sealed class ServerReadmeExampleTests
{
    [Fact]
    public async Task The_readme_client_example_finds_the_german_developer()
    {
        await using ServerHarness server = await ServerHarness.StartAsync();
        using var client = new VectorEngineClient(server.Address);
        RemoteCollection docs = await client.CreateCollectionAsync("docs", new CollectionOptions(4, DistanceMetric.Cosine)
        {
            PayloadIndexes = { ["lang"] = PayloadIndexType.Keyword },
        });
        await docs.UpsertAsync([
            new Point(1UL, [0.9f, 0.1f, 0.0f, 0.0f], new Payload { ["lang"] = "en", ["title"] = "Senior C# developer" }),
            new Point(2UL, [0.8f, 0.2f, 0.1f, 0.0f], new Payload { ["lang"] = "de", ["title"] = "C#-Entwickler" }),
        ]);
        var hits = await docs.SearchAsync(new SearchRequest([1.0f, 0.1f, 0.0f, 0.0f], limit: 1)
        {
            Filter = new Filter { Must = { Condition.Match("lang", "de") } },
        });
        Assert.Equal("C#-Entwickler", hits[0].Payload!["title"].AsString);
        Assert.Equal(2UL, hits[0].Id.Number);
    }
}
