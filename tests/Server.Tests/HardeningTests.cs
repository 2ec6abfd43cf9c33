using System.Net;
using Grpc.Core;
using Grpc.Health.V1;
using VectorEngine.Client;
using VectorEngine.FaultInjection;
using VectorEngine.Server.Hosting;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Server.Tests;

/// <summary>What the network sees: metrics only where they belong, no unprotected exposure, bounded uploads, honest health.</summary>
public sealed class HardeningTests
{
    [Fact]
    public async Task A_grpc_port_request_that_names_the_metrics_port_in_its_host_header_gets_no_metrics()
    {
        int port = ServerHarness.FreePort();
        await using ServerHarness server = await ServerHarness.StartAsync(settings: new Dictionary<string, string?> { ["Server:MetricsPort"] = $"{port}" });
        await server.Client.CreateCollectionAsync("secret-tenant", new CollectionOptions(2, DistanceMetric.L2));

        using var http2 = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Address + "/metrics");
        request.Headers.Host = $"127.0.0.1:{port}";
        using HttpResponseMessage response = await http2.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("secret-tenant", body);

        using var http = new HttpClient();
        Assert.Contains("secret-tenant", await http.GetStringAsync($"http://127.0.0.1:{port}/metrics"));
    }

    [Fact]
    public async Task A_metrics_key_is_required_when_set()
    {
        int port = ServerHarness.FreePort();
        const string Key = "metrics-key-0123456789";
        await using ServerHarness server = await ServerHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Server:MetricsPort"] = $"{port}",
            ["Server:MetricsApiKey"] = Key,
        });
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"http://127.0.0.1:{port}/metrics")).StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/metrics");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Key);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request)).StatusCode);
    }

    [Fact]
    public void Unprotected_network_exposure_is_refused_unless_allowed()
    {
        // Validated only: tests never bind beyond loopback.
        var open = new ServerOptions { BindAddress = "0.0.0.0" };
        Assert.Contains("without API keys", Assert.Throws<InvalidOperationException>(open.Validate).Message);
        var keysInClear = new ServerOptions { BindAddress = "0.0.0.0", ApiKeys = { new Security.ApiKeyOptions { Key = "0123456789abcdef", Scope = Security.ApiKeyScope.Admin } } };
        Assert.Contains("clear text", Assert.Throws<InvalidOperationException>(keysInClear.Validate).Message);
        var metrics = new ServerOptions { MetricsBindAddress = "0.0.0.0" };
        Assert.Contains("metrics", Assert.Throws<InvalidOperationException>(metrics.Validate).Message);
        new ServerOptions { BindAddress = "0.0.0.0", AllowInsecureNetworkAccess = true }.Validate();
        new ServerOptions().Validate();
    }

    [Fact]
    public async Task A_collection_whose_storage_failed_refuses_writes_and_reports_not_serving()
    {
        using TempDirectory dir = Data.TempDir();
        var fs = new FaultInjectingFileSystem(dir.Path, new Fault(FaultKind.None, 0), seed: 1);
        await using ServerHarness server = await ServerHarness.StartAsync(dataDirectory: Path.Combine(dir.Path, "data"), fileSystem: fs);
        RemoteCollection docs = await server.Client.CreateCollectionAsync("docs", new CollectionOptions(2, DistanceMetric.L2));
        RemoteCollection other = await server.Client.CreateCollectionAsync("other", new CollectionOptions(2, DistanceMetric.L2));
        await docs.UpsertAsync([new Point(1UL, [1f, 0f])]);

        fs.Arm(FaultKind.FailFileSync);
        RpcException failed = await Assert.ThrowsAsync<RpcException>(() => docs.UpsertAsync([new Point(2UL, [0f, 1f])]));
        Assert.Equal(StatusCode.Unavailable, failed.StatusCode);
        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => docs.UpsertAsync([new Point(3UL, [0f, 1f])]))).StatusCode);
        Assert.Equal(1, await docs.CountAsync());
        await other.UpsertAsync([new Point(1UL, [1f, 0f])]);

        var health = new Health.HealthClient(server.Channel);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        HealthCheckResponse.Types.ServingStatus status = HealthCheckResponse.Types.ServingStatus.Unknown;
        while (DateTime.UtcNow < deadline && status != HealthCheckResponse.Types.ServingStatus.NotServing)
        {
            try
            {
                status = (await health.CheckAsync(new HealthCheckRequest { Service = DatabaseHealthCheck.ServiceName("docs") })).Status;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
            }

            await Task.Delay(50);
        }

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = DatabaseHealthCheck.ServiceName("other") })).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
    }

    [Fact]
    public async Task A_snapshot_upload_over_the_limit_is_refused()
    {
        await using ServerHarness source = await ServerHarness.StartAsync();
        RemoteCollection c = await source.Client.CreateCollectionAsync("c", new CollectionOptions(8, DistanceMetric.L2));
        await c.UpsertAsync(Data.RandomVectors(3, 300, 8).Select((v, i) => new Point((ulong)i, v)).ToArray());
        string name = await c.CreateSnapshotAsync();
        using var archive = new MemoryStream();
        await c.DownloadSnapshotAsync(name, archive);

        await using ServerHarness target = await ServerHarness.StartAsync(settings: new Dictionary<string, string?> { ["Server:MaxSnapshotUploadBytes"] = "4096" });
        archive.Position = 0;
        RpcException refused = await Assert.ThrowsAsync<RpcException>(() => target.Client.RestoreSnapshotAsync(archive, "copy"));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Empty(await target.Client.ListCollectionsAsync());
        Assert.Empty(Directory.GetFiles(Path.Combine(target.DataDirectory, "snapshots"), "*", SearchOption.AllDirectories));
    }
}
