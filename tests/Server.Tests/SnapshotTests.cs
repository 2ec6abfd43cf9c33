using Grpc.Core;
using VectorEngine.Client;

namespace VectorEngine.Server.Tests;

/// <summary>Snapshots over the wire: create, list, download as a stream, restore into another server, delete.</summary>
public sealed class SnapshotTests
{
    [Fact]
    public async Task A_snapshot_downloaded_from_one_server_restores_on_another_with_every_point()
    {
        await using ServerHarness source = await ServerHarness.StartAsync();
        var options = new CollectionOptions(4, DistanceMetric.Cosine);
        options.PayloadIndexes["lang"] = PayloadIndexType.Keyword;
        RemoteCollection docs = await source.Client.CreateCollectionAsync("docs", options);
        Point[] points = Enumerable.Range(0, 3_000)
            .Select(i => new Point((ulong)i, [i % 7, i % 5, 1f, i % 3], new Payload { ["lang"] = i % 2 == 0 ? "en" : "de" })).ToArray();
        await docs.UpsertAsync(points[..1_500]);
        await docs.UpsertAsync(points[1_500..]);

        string name = await docs.CreateSnapshotAsync();
        var listed = Assert.Single(await docs.ListSnapshotsAsync());
        Assert.Equal(name, listed.Name);
        Assert.True(listed.Bytes > 0);
        using var archive = new MemoryStream();
        await docs.DownloadSnapshotAsync(name, archive);
        Assert.Equal(listed.Bytes, archive.Length);

        await using ServerHarness target = await ServerHarness.StartAsync();
        archive.Position = 0;
        RemoteCollection restored = await target.Client.RestoreSnapshotAsync(archive, "copy");
        Assert.Equal(3_000, await restored.CountAsync());
        Assert.Equal(1_500, await restored.CountAsync(new Filters.Filter { Must = [Filters.Condition.Match("lang", "de")] }));
        Assert.Equal(points[1234].Vector.Select(v => v / MathF.Sqrt(points[1234].Vector.Sum(x => x * x))),
            Assert.Single(await restored.GetAsync([1234UL], withVector: true)).Vector!, new ToleranceComparer(1e-5f));

        // Names outside the snapshot pattern, and unknown names, never reach the file system.
        var raw = new Api.V1.Snapshots.SnapshotsClient(source.Channel);
        var traversal = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = raw.Download(new Api.V1.DownloadSnapshotRequest { CollectionName = "docs", SnapshotName = "../../etc/passwd" });
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        Assert.Equal(StatusCode.InvalidArgument, traversal.StatusCode);
        var unknown = await Assert.ThrowsAsync<VectorEngineException>(() => docs.DownloadSnapshotAsync("docs-1.snapshot", new MemoryStream()));
        Assert.Equal(VectorEngineErrorKind.NotFound, unknown.Kind);

        await raw.DeleteAsync(new Api.V1.DeleteSnapshotRequest { CollectionName = "docs", SnapshotName = name });
        Assert.Empty(await docs.ListSnapshotsAsync());
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
