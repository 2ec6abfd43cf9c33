using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using VectorEngine.Client;

namespace VectorEngine.Server.Tests;

/// <summary>API keys: Unauthenticated without a valid key, PermissionDenied beyond its scope or collections, never logged.</summary>
public sealed class ApiKeyTests
{
    private const string AdminKey = "admin-key-0123456789abcdef";
    private const string WriterKey = "writer-key-0123456789abcdef";
    private const string ReaderKey = "reader-key-0123456789abcdef";
    private const string JobsOnlyKey = "jobs-only-0123456789abcdef";

    private static readonly Dictionary<string, string?> Keys = new()
    {
        ["Server:ApiKeys:0:Key"] = AdminKey,
        ["Server:ApiKeys:0:Scope"] = "Admin",
        ["Server:ApiKeys:1:Key"] = WriterKey,
        ["Server:ApiKeys:1:Scope"] = "Write",
        ["Server:ApiKeys:2:Key"] = ReaderKey,
        ["Server:ApiKeys:2:Scope"] = "Read",
        ["Server:ApiKeys:3:Key"] = JobsOnlyKey,
        ["Server:ApiKeys:3:Scope"] = "Write",
        ["Server:ApiKeys:3:Collections:0"] = "jobs",
        ["Logging:LogLevel:Default"] = "Debug",
    };

    [Fact]
    public async Task Keys_gate_every_call_by_scope_and_collection_and_never_reach_the_log()
    {
        await using ServerHarness server = await ServerHarness.StartAsync(settings: Keys);
        VectorEngineClient Client(string? key) => new(server.Channel, key);
        var options = new CollectionOptions(2, DistanceMetric.L2);
        var point = new Point(1UL, [1f, 0f]);

        // No key, a wrong key: Unauthenticated. Health stays open.
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() => Client(null).ListCollectionsAsync())).StatusCode);
        Assert.Equal(StatusCode.Unauthenticated,
            (await Assert.ThrowsAsync<RpcException>(() => Client("wrong-key-0123456789abcdef").ListCollectionsAsync())).StatusCode);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving,
            (await new Health.HealthClient(server.Channel).CheckAsync(new HealthCheckRequest())).Status);

        // Admin creates; a writer may not; a reader may not write.
        await Client(AdminKey).CreateCollectionAsync("jobs", options);
        await Client(AdminKey).CreateCollectionAsync("resumes", options);
        Assert.Equal(StatusCode.PermissionDenied,
            (await Assert.ThrowsAsync<RpcException>(() => Client(WriterKey).CreateCollectionAsync("x", options))).StatusCode);
        Assert.Equal(1, await Client(WriterKey).GetCollection("jobs").UpsertAsync([point]));
        Assert.Equal(StatusCode.PermissionDenied,
            (await Assert.ThrowsAsync<RpcException>(() => Client(ReaderKey).GetCollection("jobs").UpsertAsync([point]))).StatusCode);
        Assert.Single(await Client(ReaderKey).GetCollection("jobs").SearchAsync(new SearchRequest([1f, 0f], 1)));

        // A key limited to "jobs": works there, denied elsewhere (unary and streamed), lists only "jobs".
        Assert.Equal(1, await Client(JobsOnlyKey).GetCollection("jobs").UpsertAsync([point]));
        Assert.Equal(StatusCode.PermissionDenied,
            (await Assert.ThrowsAsync<RpcException>(() => Client(JobsOnlyKey).GetCollection("resumes").CountAsync())).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() =>
            Client(JobsOnlyKey).GetCollection("resumes").UpsertStreamAsync(OneBatch(point)))).StatusCode);
        Assert.Equal(["jobs"], await Client(JobsOnlyKey).ListCollectionsAsync());
        Assert.Equal(["jobs", "resumes"], (await Client(AdminKey).ListCollectionsAsync()).Order());
        Assert.Equal(0, await Client(AdminKey).GetCollection("resumes").CountAsync());

        // Bearer form works too.
        using var bearer = GrpcChannel.ForAddress(server.Address);
        var collections = new Api.V1.Collections.CollectionsClient(bearer);
        var listed = await collections.ListAsync(new Api.V1.ListCollectionsRequest(), new Metadata { { "authorization", "Bearer " + ReaderKey } });
        Assert.Equal(2, listed.Collections.Count);

        Assert.NotEmpty(server.Logs);
        foreach (string secret in new[] { AdminKey, WriterKey, ReaderKey, JobsOnlyKey, "wrong-key-0123456789abcdef" })
        {
            Assert.DoesNotContain(server.Logs, line => line.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_short_key_is_refused_at_start()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ServerHarness.StartAsync(settings: new Dictionary<string, string?> { ["Server:ApiKeys:0:Key"] = "short" }));
        Assert.Contains("16 characters", error.Message);
    }

    private static async IAsyncEnumerable<IReadOnlyList<Point>> OneBatch(Point point)
    {
        await Task.Yield();
        yield return [point];
    }
}
