using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VectorEngine.Client;
using VectorEngine.Filters;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Server.Tests;

/// <summary>The server over real loopback gRPC through the typed client: the embedded API's behaviour, remotely.</summary>
public sealed class ServerApiTests
{
    private const int Dim = 16;

    [Fact]
    public async Task Sharding_options_on_a_server_that_runs_alone_are_refused_and_nothing_is_created()
    {
        await using ServerHarness server = await ServerHarness.StartAsync();
        VectorEngineArgumentException refused = await Assert.ThrowsAsync<VectorEngineArgumentException>(() =>
            server.Client.CreateCollectionAsync("docs", new CollectionOptions(4, DistanceMetric.L2), new ShardingOptions(ShardNumber: 3)));
        Assert.Equal("shard_number", refused.ParamName);
        VectorEngineArgumentException copies = await Assert.ThrowsAsync<VectorEngineArgumentException>(() =>
            server.Client.CreateCollectionAsync("docs", new CollectionOptions(4, DistanceMetric.L2), new ShardingOptions(ReplicationFactor: 2)));
        Assert.Equal("replication_factor", copies.ParamName);
        Assert.Empty(await server.Client.ListCollectionsAsync());
        await server.Client.CreateCollectionAsync("docs", new CollectionOptions(4, DistanceMetric.L2), new ShardingOptions());
        Assert.Equal(["docs"], await server.Client.ListCollectionsAsync());
    }

    [Fact]
    public async Task Health_is_serving_after_recovery_and_reflection_lists_the_services()
    {
        await using ServerHarness server = await ServerHarness.StartAsync();
        var health = new Health.HealthClient(server.Channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);

        var reflection = new ServerReflection.ServerReflectionClient(server.Channel);
        using AsyncDuplexStreamingCall<ServerReflectionRequest, ServerReflectionResponse> call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = string.Empty });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("vectorengine.v1.Collections", services);
        Assert.Contains("vectorengine.v1.Points", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact]
    public async Task Before_its_first_health_pass_a_server_says_not_serving_rather_than_not_found()
    {
        using TempDirectory data = Data.TempDir();
        await using Microsoft.AspNetCore.Builder.WebApplication app = VectorEngineServer.Build([], builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Server:DataDirectory"] = data.Path }));

        // Not started: the health publisher has not run, which is the moment a probe right after start can hit.
        var health = app.Services.GetRequiredService<Grpc.HealthCheck.HealthServiceImpl>();
        HealthCheckResponse answer = await health.Check(new HealthCheckRequest(), null!);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, answer.Status);
    }

    [Fact]
    public async Task Collections_are_created_listed_described_and_dropped_with_typed_errors()
    {
        await using ServerHarness server = await ServerHarness.StartAsync();
        VectorEngineClient client = server.Client;
        var options = new CollectionOptions(Dim, DistanceMetric.Cosine);
        options.PayloadIndexes["city"] = PayloadIndexType.Keyword;
        RemoteCollection jobs = await client.CreateCollectionAsync("jobs", options);
        Assert.Equal(["jobs"], await client.ListCollectionsAsync());
        CollectionInfo info = await jobs.GetInfoAsync();
        Assert.Equal(("jobs", Dim, DistanceMetric.Cosine, 0L), (info.Name, info.Dimension, info.Metric, info.PointCount));

        var duplicate = await Assert.ThrowsAsync<VectorEngineException>(() => client.CreateCollectionAsync("jobs", options));
        Assert.Equal(VectorEngineErrorKind.AlreadyExists, duplicate.Kind);
        var missing = await Assert.ThrowsAsync<VectorEngineException>(() => client.GetCollection("nope").GetInfoAsync());
        Assert.Equal(VectorEngineErrorKind.NotFound, missing.Kind);
        Assert.Contains("'nope'", missing.Message);
        var badIndex = await Assert.ThrowsAsync<VectorEngineArgumentException>(() =>
            client.CreateCollectionAsync("bad", new CollectionOptions(Dim, DistanceMetric.L2)
            {
                Index = new Indexing.IndexSpec("hnsw", new Dictionary<string, string> { ["m"] = "1" }),
            }));
        Assert.Contains("'m'", badIndex.Message);

        await client.DropCollectionAsync("jobs");
        Assert.Empty(await client.ListCollectionsAsync());
    }

    [Fact]
    public async Task Points_written_remotely_are_read_counted_scrolled_searched_and_deleted_as_embedded()
    {
        await using ServerHarness server = await ServerHarness.StartAsync();
        var options = new CollectionOptions(Dim, DistanceMetric.L2);
        options.PayloadIndexes["city"] = PayloadIndexType.Keyword;
        RemoteCollection c = await server.Client.CreateCollectionAsync("c", options);
        float[][] vectors = Data.RandomVectors(1, 300, Dim);
        string[] cities = ["paris", "lyon", "nice"];
        Point[] points = vectors.Select((v, i) => new Point((ulong)i, v, new Payload
        {
            ["city"] = cities[i % 3],
            ["rank"] = i,
            ["tags"] = new[] { "a", "b" },
            ["seen"] = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(i),
        })).ToArray();
        Assert.Equal(300, await c.UpsertAsync(points));

        PointRecord got = Assert.Single(await c.GetAsync([7UL], withVector: true));
        Assert.Equal(vectors[7], got.Vector);
        Assert.Equal("lyon", got.Payload!["city"].AsString);
        Assert.Equal(7, got.Payload["rank"].AsInteger);
        Assert.Equal(new DateTime(2026, 1, 8, 0, 0, 0, DateTimeKind.Utc), got.Payload["seen"].AsDateTime);
        Assert.Equal(2, got.Payload["tags"].AsArray.Count);

        var paris = new Filter { Must = [Condition.Match("city", "paris")] };
        Assert.Equal(100, await c.CountAsync(paris));
        Assert.Equal(300, await c.CountAsync());

        var seen = new List<PointId>();
        ScrollPage page = await c.ScrollAsync(new ScrollRequest { Filter = paris, Limit = 40 });
        seen.AddRange(page.Points.Select(p => p.Id));
        while (page.NextOffset is { } next)
        {
            page = await c.ScrollAsync(new ScrollRequest { Filter = paris, Limit = 40, Offset = next });
            seen.AddRange(page.Points.Select(p => p.Id));
        }

        Assert.Equal(Enumerable.Range(0, 100).Select(i => new PointId((ulong)(3 * i))), seen);

        foreach (float[] query in Data.RandomVectors(2, 10, Dim))
        {
            var truth = BruteForce.TopK(DistanceMetric.L2, query,
                vectors.Select((v, i) => ((ulong)i, v)).Where(p => p.Item1 % 3 == 0), 5).Select(x => x.Id).ToList();
            IReadOnlyList<ScoredPoint> hits = await c.SearchAsync(new SearchRequest(query, 5) { Filter = paris, Params = new SearchParams { Exact = true } });
            Assert.Equal(truth, hits.Select(h => h.Id.Number).ToList());
            Assert.All(hits, h => Assert.Equal("paris", h.Payload!["city"].AsString));
        }

        IReadOnlyList<IReadOnlyList<ScoredPoint>> batch = await c.SearchBatchAsync(
            [new SearchRequest(vectors[3], 1), new SearchRequest(vectors[4], 2) { WithPayload = false }]);
        Assert.Equal(3UL, Assert.Single(batch[0]).Id.Number);
        Assert.Equal(4UL, batch[1][0].Id.Number);
        Assert.Null(batch[1][0].Payload);

        Assert.Equal(2, await c.DeleteAsync([1UL, 2UL, 999UL]));
        Assert.Equal(100, await c.DeleteAsync(paris));
        Assert.Equal(198, await c.CountAsync());
        Assert.Empty(await c.GetAsync([0UL, 1UL]));
    }

    [Fact]
    public async Task A_client_stream_upserts_every_batch_and_the_data_survive_a_restart()
    {
        await using ServerHarness server = await ServerHarness.StartAsync();
        RemoteCollection c = await server.Client.CreateCollectionAsync("c", new CollectionOptions(Dim, DistanceMetric.L2));
        float[][] vectors = Data.RandomVectors(3, 1_000, Dim);

        async IAsyncEnumerable<IReadOnlyList<Point>> Batches()
        {
            for (int start = 0; start < vectors.Length; start += 100)
            {
                await Task.Yield();
                yield return Enumerable.Range(start, 100).Select(i => new Point((ulong)i, vectors[i])).ToArray();
            }
        }

        Assert.Equal(1_000, await c.UpsertStreamAsync(Batches()));
        await server.RestartAsync();
        RemoteCollection reopened = server.Client.GetCollection("c");
        Assert.Equal(1_000, await reopened.CountAsync());
        Assert.Equal(vectors[999], Assert.Single(await reopened.GetAsync([999UL], withVector: true)).Vector);
    }

    [Fact]
    public async Task Bad_requests_get_InvalidArgument_naming_the_field_change_nothing_and_the_server_keeps_serving()
    {
        await using ServerHarness server = await ServerHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Server:MaxBatchPoints"] = "50",
            ["Server:MaxFilterDepth"] = "2",
        });
        RemoteCollection c = await server.Client.CreateCollectionAsync("c", new CollectionOptions(Dim, DistanceMetric.L2));
        float[][] vectors = Data.RandomVectors(4, 60, Dim);
        await c.UpsertAsync(vectors.Take(10).Select((v, i) => new Point((ulong)i, v)).ToArray());

        // A wrong dimension in the middle of a batch: nothing of the batch is written.
        Point[] mixed = [new Point(100UL, vectors[10]), new Point(101UL, new float[Dim + 1]), new Point(102UL, vectors[11])];
        var dimension = await Assert.ThrowsAsync<VectorEngineArgumentException>(() => c.UpsertAsync(mixed));
        Assert.Contains($"{Dim}", dimension.Message);
        Assert.Equal(10, await c.CountAsync());

        var tooMany = await Assert.ThrowsAsync<VectorEngineArgumentException>(() =>
            c.UpsertAsync(vectors.Select((v, i) => new Point((ulong)(200 + i), v)).ToArray()));
        Assert.Equal("points", tooMany.ParamName);

        var hugePayload = await Assert.ThrowsAsync<VectorEngineArgumentException>(() =>
            c.UpsertAsync([new Point(300UL, vectors[0], new Payload { ["text"] = new string('x', 70_000) })]));
        Assert.Equal("points[0].payload", hugePayload.ParamName);

        var raw = new Api.V1.Points.PointsClient(server.Channel);
        var noId = await Assert.ThrowsAsync<RpcException>(() => raw.UpsertAsync(new Api.V1.UpsertPoints
        {
            CollectionName = "c",
            Points = { new Api.V1.PointStruct { Id = new Api.V1.PointId { Num = 5 }, Vector = { vectors[5] } }, new Api.V1.PointStruct { Vector = { vectors[6] } } },
        }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, noId.StatusCode);
        Assert.Equal("points[1].id", noId.Trailers.GetValue("field"));

        var zeroLimit = await Assert.ThrowsAsync<RpcException>(() =>
            raw.SearchAsync(new Api.V1.SearchPoints { CollectionName = "c", Vector = { vectors[0] }, Limit = 0 }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, zeroLimit.StatusCode);
        Assert.Contains("limit", zeroLimit.Status.Detail);

        var emptyCondition = await Assert.ThrowsAsync<VectorEngineArgumentException>(() =>
            c.CountAsync(new Filter { Must = [Condition.Range("rank")] }));
        Assert.Contains("rank", emptyCondition.Message);

        Filter Nested(int depth) => depth == 1
            ? new Filter { Must = [Condition.HasId(Enumerable.Range(0, 10).Select(i => new PointId((ulong)i)).ToArray())] }
            : new Filter { Must = [Nested(depth - 1)] };
        Assert.Equal(10, await c.CountAsync(Nested(2)));
        var tooDeep = await Assert.ThrowsAsync<VectorEngineArgumentException>(() => c.CountAsync(Nested(3)));
        Assert.Contains("limit of 2", tooDeep.Message);

        var missing = await Assert.ThrowsAsync<RpcException>(() =>
            raw.CountAsync(new Api.V1.CountPoints { CollectionName = "missing" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);

        // A deadline already past: the search is not run.
        var late = await Assert.ThrowsAsync<RpcException>(() => raw.SearchAsync(
            new Api.V1.SearchPoints { CollectionName = "c", Vector = { vectors[0] }, Limit = 3 }, deadline: DateTime.UtcNow.AddMilliseconds(-1)).ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, late.StatusCode);

        Assert.Equal(10, await c.CountAsync());
        Assert.Equal(3UL, (await c.SearchAsync(new SearchRequest(vectors[3], 1)))[0].Id.Number);
    }
}
