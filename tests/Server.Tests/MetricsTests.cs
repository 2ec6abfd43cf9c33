using System.Net;
using VectorEngine.Client;

namespace VectorEngine.Server.Tests;

/// <summary>Prometheus metrics on their own port: calls and latency per method, collection gauges, recovery time.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task The_metrics_port_reports_calls_by_method_and_code_and_collection_sizes()
    {
        int port = ServerHarness.FreePort();
        await using ServerHarness server = await ServerHarness.StartAsync(settings: new Dictionary<string, string?> { ["Server:MetricsPort"] = $"{port}" });
        RemoteCollection c = await server.Client.CreateCollectionAsync("metered", new CollectionOptions(2, DistanceMetric.L2));
        await c.UpsertAsync(Enumerable.Range(0, 10).Select(i => new Point((ulong)i, [i, 1f])).ToArray());
        for (int i = 0; i < 3; i++)
        {
            await c.SearchAsync(new SearchRequest([1f, 1f], 2));
        }

        await Assert.ThrowsAsync<VectorEngineException>(() => server.Client.GetCollection("missing").CountAsync());

        using var http = new HttpClient();
        string text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        Assert.Contains("vectorengine_grpc_requests_total{method=\"/vectorengine.v1.Points/Search\",code=\"OK\"} 3", text);
        Assert.Contains("vectorengine_grpc_requests_total{method=\"/vectorengine.v1.Points/Count\",code=\"NotFound\"} 1", text);
        Assert.Contains("vectorengine_grpc_request_duration_seconds_count{method=\"/vectorengine.v1.Points/Upsert\"} 1", text);
        Assert.Contains("vectorengine_collection_points{collection=\"metered\"} 10", text);
        Assert.Contains("vectorengine_collection_wal_bytes{collection=\"metered\"}", text);
        Assert.Contains("vectorengine_recovery_seconds", text);

        // The engine's own meter (System.Diagnostics.Metrics "VectorEngine") on the same endpoint.
        Assert.Contains("vectorengine_searches_total{collection=\"metered\",kind=\"vector\"} 3", text);
        Assert.Contains("vectorengine_upserted_points_total{collection=\"metered\"} 10", text);
        Assert.Contains("vectorengine_search_duration_milliseconds_count{collection=\"metered\",kind=\"vector\"} 3", text);
        Assert.Matches("vectorengine_segments\\{collection=\"metered\"\\} [1-9]", text);

        // The gRPC port serves gRPC only.
        using var http1 = new HttpClient();
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            HttpResponseMessage response = await http1.GetAsync(server.Address + "/metrics");
            Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
            throw new InvalidOperationException("answered, but not with the metrics");
        });

        // A dropped collection leaves the gauges.
        await server.Client.DropCollectionAsync("metered");
        Assert.DoesNotContain("collection=\"metered\"", await http.GetStringAsync($"http://127.0.0.1:{port}/metrics"));
    }
}
