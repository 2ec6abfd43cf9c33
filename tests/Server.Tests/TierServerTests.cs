using Grpc.Core;
using VectorEngine.Api.V1;
using VectorEngine.Client;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Server.Tests;

/// <summary>Segment tiers over the wire: policy at creation, list, move, pin, a pass, cold archives in a configured folder.</summary>
public sealed class TierServerTests
{
    [Fact]
    public async Task Segments_are_listed_moved_pinned_and_fetched_back_over_grpc_with_bad_calls_refused()
    {
        using TempDirectory cold = Data.TempDir();
        await using ServerHarness server = await ServerHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["VectorEngine:MaxMutableSegmentPoints"] = "500",
            ["VectorEngine:EnableBackgroundOptimizer"] = "false",
            ["VectorEngine:ColdStoreDirectory"] = cold.Path,
        });
        var collections = new Api.V1.Collections.CollectionsClient(server.Channel);
        var create = new CreateCollection
        {
            CollectionName = "tiered",
            Vectors = new VectorParams { Size = 8, Distance = Distance.Euclid },
            Tiering = new TieringConfig { WarmAfterSeconds = 3600, ColdFetchTimeoutMs = 10_000 },
        };
        await collections.CreateAsync(create);
        RemoteCollection remote = server.Client.GetCollection("tiered");
        var random = new Random(5);
        Point[] points = [.. Enumerable.Range(0, 1200).Select(i => new Point((ulong)i, [.. Enumerable.Range(0, 8).Select(_ => (float)random.NextDouble())], new Payload { ["i"] = i }))];
        await remote.UpsertAsync(points[..500]);
        await remote.UpsertAsync(points[500..1000]);
        await remote.UpsertAsync(points[1000..]);
        IReadOnlyList<ScoredPoint> before = await remote.SearchAsync(new SearchRequest(points[42].Vector, 5));

        ListSegmentsResponse listed = await collections.ListSegmentsAsync(new ListSegmentsRequest { CollectionName = "tiered" });
        Assert.Equal(2, listed.Segments.Count);
        Assert.All(listed.Segments, s => Assert.Equal(Tier.Hot, s.Tier));
        uint first = listed.Segments[0].SegmentId, second = listed.Segments[1].SegmentId;

        await collections.MoveSegmentAsync(new MoveSegmentRequest { CollectionName = "tiered", SegmentId = first, Tier = Tier.Cold });
        await collections.MoveSegmentAsync(new MoveSegmentRequest { CollectionName = "tiered", SegmentId = second, Tier = Tier.Warm, Pin = true });
        listed = await collections.ListSegmentsAsync(new ListSegmentsRequest { CollectionName = "tiered" });
        Assert.Equal([Tier.Cold, Tier.Warm], listed.Segments.Select(s => s.Tier));
        Assert.Equal(Tier.Warm, listed.Segments[1].Pinned);
        Assert.Single(Directory.GetFiles(cold.Path, "*.tar", SearchOption.AllDirectories));

        // The search fetches the cold segment back and answers whole, as before.
        var points2 = new Api.V1.Points.PointsClient(server.Channel);
        SearchResponse search = await points2.SearchAsync(new SearchPoints { CollectionName = "tiered", Vector = { points[42].Vector }, Limit = 5 });
        Assert.False(search.ColdSkipped);
        Assert.Equal(before.Select(h => h.Id.Number), search.Result.Select(h => h.Id.Num));
        Assert.Empty(Directory.GetFiles(cold.Path, "*.tar", SearchOption.AllDirectories));

        // An hour later the pass leaves the pinned warm segment alone: the fetched one is fresh (just promoted).
        RunTierPassResponse pass = await collections.RunTierPassAsync(new RunTierPassRequest());
        Assert.Equal(0u, pass.Moved);

        async Task<StatusCode> Refused(MoveSegmentRequest request) =>
            (await Assert.ThrowsAsync<RpcException>(async () => await collections.MoveSegmentAsync(request))).StatusCode;
        Assert.Equal(StatusCode.InvalidArgument, await Refused(new MoveSegmentRequest { CollectionName = "tiered", SegmentId = 999, Tier = Tier.Warm }));
        Assert.Equal(StatusCode.InvalidArgument, await Refused(new MoveSegmentRequest { CollectionName = "tiered", SegmentId = first, Tier = (Tier)9 }));
        Assert.Equal(StatusCode.InvalidArgument, await Refused(new MoveSegmentRequest { CollectionName = "tiered", SegmentId = first, Pin = true, Unpin = true }));
        Assert.Equal(StatusCode.NotFound, await Refused(new MoveSegmentRequest { CollectionName = "nope", SegmentId = first }));
        var badPolicy = await Assert.ThrowsAsync<RpcException>(async () => await collections.CreateAsync(new CreateCollection
        {
            CollectionName = "bad",
            Vectors = new VectorParams { Size = 8, Distance = Distance.Euclid },
            Tiering = new TieringConfig { WarmBelowAccesses = 0 },
        }));
        Assert.Equal(StatusCode.InvalidArgument, badPolicy.StatusCode);

        // Tiers and the pin survive a restart.
        await server.RestartAsync();
        collections = new Api.V1.Collections.CollectionsClient(server.Channel);
        listed = await collections.ListSegmentsAsync(new ListSegmentsRequest { CollectionName = "tiered" });
        Assert.Equal([Tier.Hot, Tier.Warm], listed.Segments.Select(s => s.Tier));
        Assert.Equal(Tier.Warm, listed.Segments[1].Pinned);
    }
}
