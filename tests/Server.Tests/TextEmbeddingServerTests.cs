using VectorEngine.Client;
using VectorEngine.Filters;

namespace VectorEngine.Server.Tests;

/// <summary>Text in, vectors made, over gRPC: the server embeds with its MiniLM.</summary>
public sealed class TextEmbeddingServerTests
{
    [Fact]
    public async Task The_server_embeds_points_sent_without_vectors_and_searches_sent_as_text()
    {
        await using ServerHarness server = await ServerHarness.StartAsync();
        using IVectorDatabase db = VectorEngineConnection.Open(server.Address);
        IVectorCollection jobs = await db.CreateCollectionAsync("jobs", new CollectionOptions(384, DistanceMetric.Cosine)
        {
            PayloadIndexes = { ["text"] = PayloadIndexType.Text },
            Embedding = new TextEmbedding("text", "all-MiniLM-L6-v2"),
        });
        string[] postings =
        [
            "Senior iOS engineer, Swift and SwiftUI, remote in Europe",
            "Pastry chef for a busy bakery in Lyon",
            "Backend developer: Go, PostgreSQL, Kubernetes",
            "Android developer, Kotlin, Jetpack Compose",
        ];
        await jobs.UpsertAsync(postings.Select((t, i) => new Point((ulong)i, [], new Payload { ["text"] = t })).ToArray());

        IReadOnlyList<ScoredPoint> hits = await jobs.SearchAsync(SearchRequest.ForText("mobile app developer for iPhone", 2));
        Assert.Equal(0UL, hits[0].Id.Number);
        Assert.Equal(3UL, hits[1].Id.Number);
        IReadOnlyList<FusedPoint> fused = await jobs.QueryAsync(new HybridQuery(1, VectorPrefetch.ForText("croissants and bread", 4), new TextPrefetch("text", "bakery", 4)));
        Assert.Equal(1UL, fused[0].Id.Number);

        // Neither vector nor text: InvalidArgument, nothing written; text search on a collection that embeds nothing.
        await Assert.ThrowsAnyAsync<VectorEngineArgumentException>(() => jobs.UpsertAsync([new Point(9UL, [], new Payload())]));
        Assert.Equal(4, await jobs.CountAsync());
        IVectorCollection plain = await db.CreateCollectionAsync("plain", new CollectionOptions(4, DistanceMetric.Cosine));
        await Assert.ThrowsAnyAsync<VectorEngineArgumentException>(() => plain.SearchAsync(SearchRequest.ForText("x", 1)));
    }

    [Fact]
    public async Task Match_runs_the_pipeline_on_the_server_with_its_model_and_refuses_bad_requests()
    {
        await using ServerHarness server = await ServerHarness.StartAsync();
        IVectorCollection jobs = await server.Client.CreateCollectionAsync("jobs", new CollectionOptions(384, DistanceMetric.Cosine)
        {
            PayloadIndexes = { ["text"] = PayloadIndexType.Text, ["remote"] = PayloadIndexType.Bool },
            Embedding = new TextEmbedding("text", "all-MiniLM-L6-v2"),
        });
        string[] postings =
        [
            "Senior iOS engineer, Swift and SwiftUI, remote in Europe",
            "iOS developer, Objective-C and Swift, on site in Paris",
            "Pastry chef for a busy bakery in Lyon",
            "Backend developer: Go, PostgreSQL, Kubernetes, remote",
        ];
        await jobs.UpsertAsync(postings.Select((t, i) => new Point((ulong)i, [], new Payload { ["text"] = t, ["remote"] = t.Contains("remote") })).ToArray());
        var matching = new Api.V1.Matching.MatchingClient(server.Channel);

        Api.V1.MatchResponse remote = await matching.MatchAsync(new Api.V1.MatchPoints
        {
            CollectionName = "jobs",
            Text = "iPhone app developer, Swift",
            Limit = 2,
            Filter = new Api.V1.Filter { Must = { new Api.V1.Condition { Field = new Api.V1.FieldCondition { Key = "remote", Match = new Api.V1.Match { Boolean = true } } } } },
        });
        Assert.False(remote.Degraded);
        Assert.Equal([0UL, 3UL], remote.Result.Select(p => p.Id.Num));
        Assert.True(remote.Result[0].HasVectorScore && remote.Result[0].HasRerankScore);

        // A boost for on-site postings puts the Paris one first among the iOS postings.
        Api.V1.MatchResponse onsite = await matching.MatchAsync(new Api.V1.MatchPoints
        {
            CollectionName = "jobs",
            Text = "iPhone app developer, Swift",
            Limit = 1,
            RequiredTerms = { "swift" },
            Boosts = { new Api.V1.PayloadBoost { Match = new Api.V1.MatchBoost { Field = "remote", Value = new Api.V1.Value { BoolValue = false }, Weight = 5 } } },
        });
        Assert.Equal(1UL, onsite.Result.Single().Id.Num);

        Grpc.Core.RpcException bad = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
            await matching.MatchAsync(new Api.V1.MatchPoints { CollectionName = "jobs", Limit = 1 }));
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, bad.StatusCode);
        Grpc.Core.RpcException missing = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
            await matching.MatchAsync(new Api.V1.MatchPoints { CollectionName = "nope", Text = "x", Limit = 1 }));
        Assert.Equal(Grpc.Core.StatusCode.NotFound, missing.StatusCode);
    }
}
