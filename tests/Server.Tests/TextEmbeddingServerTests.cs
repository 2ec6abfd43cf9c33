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
}
