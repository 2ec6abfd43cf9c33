using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using VectorEngine.Client;

namespace VectorEngine.Server.Tests;

/// <summary>With an OTLP endpoint configured, calls become spans that reach the collector.</summary>
public sealed class TracingTests
{
    [Fact]
    public async Task Spans_of_served_calls_are_exported_over_OTLP()
    {
        // A stand-in collector: accepts OTLP/HTTP protobuf posts on 127.0.0.1 and keeps their bodies.
        var received = new ConcurrentQueue<byte[]>();
        WebApplicationBuilder collectorBuilder = WebApplication.CreateBuilder();
        collectorBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        await using WebApplication collector = collectorBuilder.Build();
        collector.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            received.Enqueue(body.ToArray());
            return Results.Ok();
        });
        await collector.StartAsync();
        string collectorAddress = collector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

        await using (ServerHarness server = await ServerHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Server:OtlpEndpoint"] = collectorAddress + "/v1/traces",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        }))
        {
            RemoteCollection c = await server.Client.CreateCollectionAsync("traced", new CollectionOptions(2, DistanceMetric.L2));
            await c.UpsertAsync([new Point(1UL, [1f, 2f])]);
            await c.SearchAsync(new SearchRequest([1f, 2f], 1));
        }

        // Stopping the server flushes its exporter; allow the post to land (bounded).
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (received.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        string all = string.Join("\n", received.Select(System.Text.Encoding.UTF8.GetString));
        Assert.Contains("vectorengine-server", all);
        Assert.Contains("vectorengine.v1.Points/Search", all);
    }
}
