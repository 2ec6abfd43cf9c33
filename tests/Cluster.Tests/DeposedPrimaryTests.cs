using Grpc.Core;
using VectorEngine.Api.V1;
using VectorEngine.Protocol.Mapping;
using VectorEngine.Sharding.Placement;
using VectorEngine.Sharding.Tests.Support;
using Xunit.Abstractions;

namespace VectorEngine.Cluster.Tests;

/// <summary>A primary frozen (SIGSTOP) under write load is deposed; thawed, it rejoins as a replica of the new primary.</summary>
public sealed class DeposedPrimaryTests(ITestOutputHelper output)
{
    private const int Dimension = 8;

    [Fact]
    public async Task A_frozen_primary_is_replaced_and_after_thawing_ends_with_the_new_primarys_data()
    {
        await using ClusterHarness cluster = await ClusterHarness.StartAsync(3);
        CreateCollection create = new CollectionOptions(Dimension, DistanceMetric.L2).ToWire("deposed");
        create.ShardNumber = 1;
        create.ReplicationFactor = 3;
        await new Api.V1.Collections.CollectionsClient(cluster.Channel(0)).CreateAsync(create, deadline: DateTime.UtcNow.AddSeconds(10));
        ShardAssignment before = (await cluster.ShardMapAsync("deposed")).Map.Shards[0];
        int old = cluster.IndexOf(before.Primary);
        int router = (old + 1) % 3;
        var points = new Points.PointsClient(cluster.Channel(router));

        // Writers through another node, each id retried until acknowledged (bounded), while the primary is frozen.
        var acknowledged = new HashSet<ulong>();
        using var stop = new CancellationTokenSource();
        Task[] writers = Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (ulong id = (ulong)(w * 1_000_000); !stop.IsCancellationRequested && id < (ulong)(w * 1_000_000) + 100_000; id++)
            {
                var point = new Point(id, Enumerable.Range(0, Dimension).Select(_ => (float)random.NextDouble()).ToArray(), null).ToWire();
                for (int tries = 0; tries < 200 && !stop.IsCancellationRequested; tries++)
                {
                    try
                    {
                        await points.UpsertAsync(new UpsertPoints { CollectionName = "deposed", Points = { point } }, deadline: DateTime.UtcNow.AddSeconds(3));
                        lock (acknowledged)
                        {
                            acknowledged.Add(id);
                        }

                        break;
                    }
                    catch (RpcException)
                    {
                        await Task.Delay(50);
                    }
                }
            }
        })).ToArray();

        await Task.Delay(1_500);
        cluster.Pause(old, stop: true);
        int frozenAt;
        lock (acknowledged)
        {
            frozenAt = acknowledged.Count;
        }

        try
        {
            // Its lease expires; another copy is named primary at a higher epoch, and writes go on there.
            await Eventually.Holds(() => cluster.ShardMapAsync("deposed", router).GetAwaiter().GetResult().Map.Shards[0].Primary != before.Primary,
                TimeSpan.FromSeconds(30), "a new primary");
            await Eventually.Holds(() => { lock (acknowledged) { return acknowledged.Count > frozenAt + 20; } }, TimeSpan.FromSeconds(30), "writes resume on the new primary");
        }
        finally
        {
            cluster.Pause(old, stop: false);
        }

        // Thawed, it still believes it is primary: the first copy it reaches refuses its epoch, and it follows.
        await Task.Delay(3_000);
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        (ShardMap map, ulong incarnation) = await cluster.ShardMapAsync("deposed", router);
        Assert.NotEqual(before.Primary, map.Shards[0].Primary);
        await Eventually.Holds(() => ClusterChecks.CopiesEqual(cluster, map, incarnation, "deposed", 0), TimeSpan.FromSeconds(30), "all three copies equal, the thawed one included");
        HashSet<ulong> present = await ClusterChecks.AllIds(points, "deposed");
        Assert.Empty(acknowledged.Except(present));
        bool dropped = cluster.Output(old).Contains("dropping log entries", StringComparison.Ordinal);
        output.WriteLine($"{acknowledged.Count} writes acknowledged ({frozenAt} before the freeze); the thawed primary dropped an unacknowledged suffix: {dropped}");
    }
}
