using System.Diagnostics;
using VectorEngine.Api.V1;
using VectorEngine.Protocol.Mapping;
using VectorEngine.Sharding.Tests.Support;
using Xunit.Abstractions;

namespace VectorEngine.Cluster.Tests;

/// <summary>Hedged reads: a copy slowed by the node-to-node fault setting costs the tail little, because the next copy is asked after the shard's recent p95.</summary>
public sealed class HedgedReadTests(ITestOutputHelper output)
{
    private const int Dimension = 16;

    [Fact]
    public async Task With_one_copy_slowed_search_p99_stays_within_twice_the_healthy_p99()
    {
        await using ClusterHarness cluster = await ClusterHarness.StartAsync(3);
        CreateCollection create = new CollectionOptions(Dimension, DistanceMetric.L2).ToWire("hedged");
        create.ShardNumber = 3;
        create.ReplicationFactor = 2;
        await new Api.V1.Collections.CollectionsClient(cluster.Channel(0)).CreateAsync(create, deadline: DateTime.UtcNow.AddSeconds(10));
        var points = new Points.PointsClient(cluster.Channel(0));
        var random = new Random(5);
        for (int batch = 0; batch < 6; batch++)
        {
            var upsert = new UpsertPoints { CollectionName = "hedged" };
            for (int i = 0; i < 500; i++)
            {
                upsert.Points.Add(new Point((ulong)(batch * 500 + i), Vector(random)).ToWire());
            }

            await ClusterChecks.UpsertUntilAcknowledgedAsync(points, upsert);
        }

        double healthy = await P99Async(points, random);

        // Node 3 comes back with every shard read it serves for a peer delayed by 300 ms. Its restart moved its
        // primaries to their replicas; killing one of those makes node 3 (the only live copy then) primary again.
        cluster.Kill(2);
        await cluster.StartNodeAsync(2, waitServing: true, "--Cluster:Faults:SlowReadsMs=300");
        await Eventually.Holds(() => Searches(points, random), TimeSpan.FromSeconds(30), "every shard answers after the restart");
        (Sharding.Placement.ShardMap map, _) = await cluster.ShardMapAsync("hedged");
        if (!map.Shards.Any(s => s.Primary == cluster.NodeId(2)))
        {
            Sharding.Placement.ShardAssignment shard = map.Shards.First(s => s.Nodes.Contains(cluster.NodeId(2)));
            int victim = cluster.IndexOf(shard.Primary);
            int survivor = victim == 0 ? 1 : 0;
            cluster.Kill(victim);
            await Eventually.Holds(() => cluster.ShardMapAsync("hedged", survivor).GetAwaiter().GetResult().Map.Shards[shard.ShardId].Primary == cluster.NodeId(2), TimeSpan.FromSeconds(30), "node 3 primary again");
            await cluster.StartNodeAsync(victim);
            points = new Points.PointsClient(cluster.Channel(survivor));
        }

        await Eventually.Holds(() => Searches(points, random), TimeSpan.FromSeconds(30), "every shard answers");
        Assert.Contains((await cluster.ShardMapAsync("hedged")).Map.Shards, s => s.Primary == cluster.NodeId(2));

        double slowed = await P99Async(points, random);
        string metrics = string.Join("\n", await Task.WhenAll(Enumerable.Range(0, 2).Select(cluster.MetricsAsync)));
        double sent = Metrics.Sum(metrics, "vectorengine_cluster_hedged_reads_total");
        double won = Metrics.Sum(metrics, "vectorengine_cluster_hedged_reads_won_total");
        output.WriteLine($"p99 healthy {healthy:F2} ms, one copy slowed by 300 ms {slowed:F2} ms; hedges sent {sent}, won {won}");
        Assert.True(won > 0, "hedges won");
        Assert.True(slowed <= 2 * Math.Max(healthy, 2.5), $"p99 {slowed:F2} ms with a slow copy vs {healthy:F2} ms healthy");
    }

    private static bool Searches(Points.PointsClient points, Random random)
    {
        SearchResponse response = points.Search(new SearchRequest(Vector(random), 10).ToWire("hedged"), deadline: DateTime.UtcNow.AddSeconds(5));
        return response.Partial.Count == 0 && response.Result.Count == 10;
    }

    /// <summary>The 99th percentile of 400 sequential searches (after 100 to warm up), in milliseconds.</summary>
    private static async Task<double> P99Async(Points.PointsClient points, Random random)
    {
        var latencies = new List<double>();
        for (int i = 0; i < 500; i++)
        {
            var clock = Stopwatch.StartNew();
            SearchResponse response = await points.SearchAsync(new SearchRequest(Vector(random), 10).ToWire("hedged"), deadline: DateTime.UtcNow.AddSeconds(5));
            Assert.Empty(response.Partial);
            if (i >= 100)
            {
                latencies.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        latencies.Sort();
        return latencies[(int)(latencies.Count * 0.99)];
    }

    private static float[] Vector(Random random) => Enumerable.Range(0, Dimension).Select(_ => (float)random.NextDouble()).ToArray();
}
