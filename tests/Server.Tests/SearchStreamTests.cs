using System.Net;
using Grpc.Core;
using VectorEngine.Client;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Server.Tests;

/// <summary>Points/SearchStream: many searches over one call, answered in order, each failure on its own.</summary>
public sealed class SearchStreamTests
{
    private const int Dim = 8;

    [Fact]
    public async Task Pipelined_searches_from_concurrent_callers_get_the_unary_answers_in_order()
    {
        await using ServerHarness server = await ServerHarness.StartAsync();
        RemoteCollection c = await server.Client.CreateCollectionAsync("c", new CollectionOptions(Dim, DistanceMetric.L2));
        float[][] vectors = Data.RandomVectors(3, 200, Dim);
        await c.UpsertAsync(vectors.Select((v, i) => new Point((ulong)i, v)).ToArray());
        float[][] queries = Data.RandomVectors(4, 64, Dim);

        await using SearchStream stream = c.OpenSearchStream();
        // Many in flight at once from several tasks: each must get its own query's answer, not a neighbour's.
        IReadOnlyList<ScoredPoint>[] streamed = await Task.WhenAll(queries.Select(q => Task.Run(() => stream.SearchAsync(new SearchRequest(q, 5)))));
        for (int i = 0; i < queries.Length; i++)
        {
            IReadOnlyList<ScoredPoint> unary = await c.SearchAsync(new SearchRequest(queries[i], 5));
            Assert.Equal(unary.Select(h => (h.Id, h.Score)), streamed[i].Select(h => (h.Id, h.Score)));
        }
    }

    [Fact]
    public async Task A_bad_search_fails_alone_with_the_unary_error_and_the_stream_goes_on()
    {
        await using ServerHarness server = await ServerHarness.StartAsync();
        RemoteCollection c = await server.Client.CreateCollectionAsync("c", new CollectionOptions(Dim, DistanceMetric.L2));
        await c.UpsertAsync([new Point(1UL, new float[Dim])]);
        await using SearchStream stream = c.OpenSearchStream();

        var wrongDimension = await Assert.ThrowsAsync<VectorEngineArgumentException>(() => stream.SearchAsync(new SearchRequest(new float[3], 1)));
        Assert.Contains("dimension", wrongDimension.Message, StringComparison.OrdinalIgnoreCase);
        var tooMany = await Assert.ThrowsAsync<VectorEngineArgumentException>(() => stream.SearchAsync(new SearchRequest(new float[Dim], 1_000_000)));
        Assert.Equal("limit", tooMany.ParamName);
        Assert.Equal(1UL, Assert.Single(await stream.SearchAsync(new SearchRequest(new float[Dim], 1))).Id.Number);

        await using SearchStream missing = server.Client.GetCollection("nope").OpenSearchStream();
        var notFound = await Assert.ThrowsAsync<VectorEngineException>(() => missing.SearchAsync(new SearchRequest(new float[Dim], 1)));
        Assert.Equal(VectorEngineErrorKind.NotFound, notFound.Kind);
        await Assert.ThrowsAsync<VectorEngineException>(() => missing.SearchAsync(new SearchRequest(new float[Dim], 1)));
    }

    [Fact]
    public async Task Keys_gate_the_stream_and_each_message_is_counted_in_the_metrics()
    {
        int port = ServerHarness.FreePort();
        await using ServerHarness server = await ServerHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Server:MetricsPort"] = $"{port}",
            ["Server:ApiKeys:0:Key"] = "admin-key-0123456789abcdef",
            ["Server:ApiKeys:0:Scope"] = "Admin",
            ["Server:ApiKeys:1:Key"] = "jobs-reader-0123456789abcdef",
            ["Server:ApiKeys:1:Scope"] = "Read",
            ["Server:ApiKeys:1:Collections:0"] = "jobs",
        });
        var admin = new VectorEngineClient(server.Channel, "admin-key-0123456789abcdef");
        var reader = new VectorEngineClient(server.Channel, "jobs-reader-0123456789abcdef");
        foreach (string name in new[] { "jobs", "resumes" })
        {
            RemoteCollection created = await admin.CreateCollectionAsync(name, new CollectionOptions(2, DistanceMetric.L2));
            await created.UpsertAsync([new Point(1UL, [1f, 0f])]);
        }

        await using (SearchStream noKey = new VectorEngineClient(server.Channel).GetCollection("jobs").OpenSearchStream())
        {
            Assert.Equal(StatusCode.Unauthenticated,
                (await Assert.ThrowsAsync<RpcException>(() => noKey.SearchAsync(new SearchRequest([1f, 0f], 1)))).StatusCode);
        }

        await using (SearchStream elsewhere = reader.GetCollection("resumes").OpenSearchStream())
        {
            Assert.Equal(StatusCode.PermissionDenied,
                (await Assert.ThrowsAsync<RpcException>(() => elsewhere.SearchAsync(new SearchRequest([1f, 0f], 1)))).StatusCode);
        }

        await using (SearchStream allowed = reader.GetCollection("jobs").OpenSearchStream())
        {
            for (int i = 0; i < 3; i++)
            {
                Assert.Single(await allowed.SearchAsync(new SearchRequest([1f, 0f], 1)));
            }

            await Assert.ThrowsAsync<VectorEngineArgumentException>(() => allowed.SearchAsync(new SearchRequest([1f], 1)));
        }

        using var http = new HttpClient();
        string text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        Assert.Contains("vectorengine_grpc_stream_messages_total{method=\"/vectorengine.v1.Points/SearchStream\",code=\"OK\"} 3", text);
        Assert.Contains("vectorengine_grpc_stream_messages_total{method=\"/vectorengine.v1.Points/SearchStream\",code=\"InvalidArgument\"} 1", text);
        Assert.Contains("vectorengine_grpc_stream_message_duration_seconds_count{method=\"/vectorengine.v1.Points/SearchStream\"} 4", text);
        Assert.Contains("vectorengine_grpc_requests_total{method=\"/vectorengine.v1.Points/SearchStream\",code=\"OK\"} 1", text);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{port}/metrics")).StatusCode);
    }
}
