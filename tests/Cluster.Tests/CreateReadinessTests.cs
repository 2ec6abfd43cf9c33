using System.Diagnostics;
using Grpc.Core;
using VectorEngine.Api.V1;
using VectorEngine.Protocol.Mapping;
using VectorEngine.Sharding.Tests.Support;
using Xunit.Abstractions;

namespace VectorEngine.Cluster.Tests;

/// <summary>
/// A create answers once every shard serves: the first read that requires every shard, sent at once through another
/// node, finds none still starting (a shard's copies are made on their nodes after the collection is stored in etcd,
/// and its primary serves once its write consistency's copies hold the no-op of its epoch).
/// </summary>
public sealed class CreateReadinessTests(ITestOutputHelper output)
{
    private const int Rounds = 6;

    [Fact]
    public async Task Reads_and_writes_right_after_a_create_find_every_shard_serving()
    {
        await using ClusterHarness cluster = await ClusterHarness.StartAsync(3);
        var creates = new List<double>();
        for (int round = 0; round < Rounds; round++)
        {
            string name = $"fresh-{round}";
            CreateCollection create = new CollectionOptions(4, DistanceMetric.L2).ToWire(name);
            create.ShardNumber = 6;
            create.ReplicationFactor = 2;
            var clock = Stopwatch.StartNew();
            await new Api.V1.Collections.CollectionsClient(cluster.Channel(round % 3)).CreateAsync(create, deadline: DateTime.UtcNow.AddSeconds(15));
            creates.Add(clock.Elapsed.TotalMilliseconds);

            // Through another node than the one that created it, with no pause.
            var points = new Api.V1.Points.PointsClient(cluster.Channel((round + 1) % 3));
            SearchResponse search = await points.SearchAsync(new SearchPoints { CollectionName = name, Vector = { 1, 2, 3, 4 }, Limit = 5, RequireAll = true },
                deadline: DateTime.UtcNow.AddSeconds(5));
            Assert.Empty(search.Result);
            Assert.Empty(search.Partial);
            Assert.Equal(0UL, (await points.CountAsync(new CountPoints { CollectionName = name, RequireAll = true }, deadline: DateTime.UtcNow.AddSeconds(5))).Count);

            // Writes to every shard are acknowledged without a retry, and read back whole.
            var upsert = new UpsertPoints { CollectionName = name };
            upsert.Points.Add(Enumerable.Range(0, 60).Select(i => new Point((ulong)i, [(float)i, 1, 2, 3], null).ToWire()));
            await new Api.V1.Points.PointsClient(cluster.Channel((round + 2) % 3)).UpsertAsync(upsert, deadline: DateTime.UtcNow.AddSeconds(5));
            Assert.Equal(60UL, (await points.CountAsync(new CountPoints { CollectionName = name, RequireAll = true }, deadline: DateTime.UtcNow.AddSeconds(5))).Count);
        }

        output.WriteLine($"create took {string.Join(", ", creates.Select(ms => $"{ms:F0} ms"))}");
    }

    [Fact]
    public async Task A_create_with_a_shard_on_a_stopped_node_answers_within_its_deadline_and_the_shard_serves_once_the_node_does()
    {
        await using ClusterHarness cluster = await ClusterHarness.StartAsync(3);
        var collections = new Api.V1.Collections.CollectionsClient(cluster.Channel(0));

        // Frozen, not dead: its lease stays live, so the placement still gives it copies that cannot start.
        cluster.Pause(2, stop: true);
        var clock = Stopwatch.StartNew();
        try
        {
            CreateCollection create = new CollectionOptions(4, DistanceMetric.L2).ToWire("stuck");
            create.ShardNumber = 3;
            create.ReplicationFactor = 2;
            await collections.CreateAsync(create, deadline: DateTime.UtcNow.AddSeconds(3));
            Assert.InRange(clock.Elapsed.TotalSeconds, 0, 3);
        }
        finally
        {
            cluster.Pause(2, stop: false);
        }

        var points = new Api.V1.Points.PointsClient(cluster.Channel(1));
        await Eventually.Holds(() =>
        {
            try
            {
                return points.Count(new CountPoints { CollectionName = "stuck", RequireAll = true }, deadline: DateTime.UtcNow.AddSeconds(3)).Count == 0;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), "every shard of the collection serves once the node does");
    }
}
