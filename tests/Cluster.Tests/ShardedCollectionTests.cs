using Grpc.Core;
using VectorEngine.Api.V1;
using VectorEngine.Hnsw;
using VectorEngine.Protocol.Mapping;
using EngineFilter = VectorEngine.Filters.Filter;
using EngineCondition = VectorEngine.Filters.Condition;

namespace VectorEngine.Cluster.Tests;

/// <summary>
/// Three server processes and etcd on loopback: a 6-shard collection written from 4 concurrent writers through every
/// node answers exactly as one embedded database holding the same points.
/// </summary>
public sealed class ShardedCollectionTests(Xunit.Abstractions.ITestOutputHelper testOutput)
{
    private const int Dimension = 24;
    private const int Points = 30_000;
    private const int Tenants = 20;

    [Fact]
    public async Task A_six_shard_collection_answers_like_a_single_node_database()
    {
        await using ClusterHarness cluster = await ClusterHarness.StartAsync(3);
        cluster.Log = testOutput.WriteLine;
        var collections = new Api.V1.Collections.CollectionsClient(cluster.Channel(0));
        CreateCollection create = new CollectionOptions(Dimension, DistanceMetric.Cosine)
        {
            Index = new Indexing.IndexSpec("hnsw", new Dictionary<string, string> { ["m"] = "16", ["ef_construction"] = "100" }),
        }.ToWire("docs");
        create.ShardNumber = 6;
        await collections.CreateAsync(create);

        // The same points into an embedded database: the reference every cluster answer is compared with.
        using var reference = new TempDir();
        using VectorDatabase single = VectorDatabase.Open(reference.Path, new VectorDatabaseOptions().UseHnsw());
        Collection expected = single.CreateCollection("docs", create.ToEngine());
        Point[] points = Enumerable.Range(0, Points).Select(MakePoint).ToArray();
        expected.Upsert(points);

        // 4 writers, each through another node, batches of 500.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async writer =>
        {
            var client = new Api.V1.Points.PointsClient(cluster.Channel(writer % cluster.Count));
            for (int start = writer * (Points / 4); start < (writer + 1) * (Points / 4); start += 500)
            {
                var batch = new UpsertPoints { CollectionName = "docs" };
                batch.Points.AddRange(points.Skip(start).Take(500).Select(p => p.ToWire()));
                await client.UpsertAsync(batch, deadline: DateTime.UtcNow.AddSeconds(60));
            }
        }));

        // Seal every shard into its HNSW index (a checkpoint fans out to every node), as the reference is.
        await collections.CheckpointAsync(new CheckpointCollection { CollectionName = "docs" }, deadline: DateTime.UtcNow.AddMinutes(2));
        expected.Checkpoint();

        // Any node answers for the whole collection.
        var nodeClients = Enumerable.Range(0, cluster.Count).Select(i => new Api.V1.Points.PointsClient(cluster.Channel(i))).ToArray();
        foreach (Api.V1.Points.PointsClient client in nodeClients)
        {
            CountResponse count = await client.CountAsync(new CountPoints { CollectionName = "docs" });
            Assert.Equal((ulong)Points, count.Count);
            Assert.Empty(count.Partial);
        }

        // Six shards, two copies each (the default with three live nodes): twelve local collections over the three nodes.
        int copies = 0;
        for (int node = 0; node < cluster.Count; node++)
        {
            string metrics = await cluster.MetricsAsync(node);
            int here = metrics.Split('\n').Count(l => l.StartsWith("vectorengine_collection_points{collection=\"docs--", StringComparison.Ordinal));
            Assert.InRange(here, 2, 6);
            copies += here;
        }

        Assert.Equal(12, copies);

        // Exact searches: the same ids and the same scores, from any node.
        var random = new Random(7);
        for (int q = 0; q < 30; q++)
        {
            float[] query = Vector(random);
            EngineFilter? filter = q % 3 == 0 ? new EngineFilter { Must = { EngineCondition.Match("tenant", "t" + (q % Tenants)) } } : null;
            var request = new SearchRequest(query, 10) { Filter = filter, Params = new SearchParams { Exact = true } };
            IReadOnlyList<ScoredPoint> want = expected.Search(request);
            SearchPoints wire = request.ToWire("docs");

            // Every other query with read consistency majority: the same answer, from confirmed primaries.
            wire.ReadConsistency = q % 2 == 0 ? ReadConsistency.Majority : ReadConsistency.Any;
            SearchResponse got = await nodeClients[q % cluster.Count].SearchAsync(wire);
            Assert.Empty(got.Partial);
            Assert.Equal(want.Select(h => h.Id), got.Result.Select(h => h.Id.ToEngine("id")));
            Assert.Equal(want.Select(h => h.Score), got.Result.Select(h => h.Score));
        }

        Assert.Equal((ulong)Points, (await nodeClients[1].CountAsync(new CountPoints { CollectionName = "docs", ReadConsistency = ReadConsistency.Majority })).Count);
        RpcException unknown = await Assert.ThrowsAsync<RpcException>(() => nodeClients[0].CountAsync(new CountPoints { CollectionName = "docs", ReadConsistency = (ReadConsistency)7 }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, unknown.StatusCode);

        // Approximate searches: recall@10 within 0.01 of the single node's.
        double clusterRecall = 0, singleRecall = 0;
        for (int q = 0; q < 50; q++)
        {
            float[] query = Vector(random);
            HashSet<PointId> truth = expected.Search(new SearchRequest(query, 10) { Params = new SearchParams { Exact = true } }).Select(h => h.Id).ToHashSet();
            singleRecall += expected.Search(new SearchRequest(query, 10)).Count(h => truth.Contains(h.Id)) / 10.0;
            SearchResponse got = await nodeClients[q % cluster.Count].SearchAsync(new SearchRequest(query, 10).ToWire("docs"));
            clusterRecall += got.Result.Count(h => truth.Contains(h.Id.ToEngine("id"))) / 10.0;
        }

        Assert.True(clusterRecall / 50 >= singleRecall / 50 - 0.01, $"cluster recall {clusterRecall / 50:F3} vs single node {singleRecall / 50:F3}");

        // Scroll: every point once, in id order, across pages and shards.
        var scrolled = new List<PointId>();
        Api.V1.PointId? offset = null;
        for (int page = 0; page < 100; page++)
        {
            ScrollResponse response = await nodeClients[page % cluster.Count].ScrollAsync(new ScrollPoints { CollectionName = "docs", Limit = 1_000, Offset = offset });
            scrolled.AddRange(response.Result.Select(p => p.Id.ToEngine("id")));
            offset = response.NextPageOffset;
            if (offset is null)
            {
                break;
            }
        }

        Assert.Equal(points.Select(p => p.Id).Order(), scrolled);

        // Count with a filter, then a delete by filter that reaches every shard.
        var tenant3 = new EngineFilter { Must = { EngineCondition.Match("tenant", "t3") } };
        Assert.Equal((ulong)expected.Count(tenant3), (await nodeClients[1].CountAsync(new CountPoints { CollectionName = "docs", Filter = tenant3.ToWire() })).Count);
        var even = new EngineFilter { Must = { EngineCondition.Match("group", 0L) } };
        long removed = expected.Delete(even);
        PointsOperationResponse deleted = await nodeClients[2].DeleteAsync(new DeletePoints { CollectionName = "docs", Filter = even.ToWire() });
        Assert.Equal((ulong)removed, deleted.Count);
        Assert.Equal((ulong)(Points - removed), (await nodeClients[0].CountAsync(new CountPoints { CollectionName = "docs" })).Count);

        // Get by ids across shards, in the order asked, missing ids left out.
        GetResponse fetched = await nodeClients[0].GetAsync(new GetPoints { CollectionName = "docs", Ids = { new[] { 1UL, 3UL, 999_999UL, 5UL }.Select(i => new PointId(i).ToWire()) }, WithPayload = true });
        Assert.Equal([1UL, 3UL, 5UL], fetched.Result.Select(p => p.Id.ToEngine("id").Number));
    }

    [Fact]
    public async Task Bad_cluster_input_is_refused_and_changes_nothing()
    {
        await using ClusterHarness cluster = await ClusterHarness.StartAsync(2);
        cluster.Log = testOutput.WriteLine;
        var collections = new Api.V1.Collections.CollectionsClient(cluster.Channel(0));
        CreateCollection Create(string name, uint? shards, string? key)
        {
            CreateCollection create = new CollectionOptions(4, DistanceMetric.L2).ToWire(name);
            if (shards is { } s)
            {
                create.ShardNumber = s;
            }

            if (key is not null)
            {
                create.ShardKey = key;
            }

            return create;
        }

        // A second process claiming a live node's id (with another data directory) is refused at join and exits.
        (int exitCode, string output) = await cluster.RunIntruderAsync(cluster.NodeId(1));
        Assert.Equal(3, exitCode);
        Assert.Contains($"Node id '{cluster.NodeId(1)}' is already registered", output, StringComparison.Ordinal);

        RpcException zero = await Assert.ThrowsAsync<RpcException>(() => collections.CreateAsync(Create("a", 0, null)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, zero.StatusCode);
        RpcException many = await Assert.ThrowsAsync<RpcException>(() => collections.CreateAsync(Create("a", 1025, null)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, many.StatusCode);

        // More copies than live nodes, or a write consistency above the copies: refused, nothing created.
        CreateCollection tooManyCopies = Create("a", 3, null);
        tooManyCopies.ReplicationFactor = 4;
        RpcException copies = await Assert.ThrowsAsync<RpcException>(() => collections.CreateAsync(tooManyCopies).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, copies.StatusCode);
        Assert.Contains("replication_factor", copies.Status.Detail, StringComparison.Ordinal);
        CreateCollection tooStrict = Create("a", 3, null);
        tooStrict.ReplicationFactor = 2;
        tooStrict.WriteConsistency = 3;
        RpcException strict = await Assert.ThrowsAsync<RpcException>(() => collections.CreateAsync(tooStrict).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, strict.StatusCode);
        Assert.Contains("write_consistency", strict.Status.Detail, StringComparison.Ordinal);
        Assert.Empty((await collections.ListAsync(new ListCollectionsRequest())).Collections);

        // Created concurrently from both nodes: one wins, the other is told it exists.
        var other = new Api.V1.Collections.CollectionsClient(cluster.Channel(1));
        Task<CollectionOperationResponse>[] both = [collections.CreateAsync(Create("jobs", 4, "tenant")).ResponseAsync, other.CreateAsync(Create("jobs", 4, "tenant")).ResponseAsync];
        Exception? lost = await Record.ExceptionAsync(() => Task.WhenAll(both));
        Assert.Equal(StatusCode.AlreadyExists, Assert.IsType<RpcException>(lost).StatusCode);
        Assert.Equal(1, both.Count(t => t.IsCompletedSuccessfully));

        // Through the typed client: a sharded collection, described with the points of every shard.
        using var typed = new Client.VectorEngineClient(cluster.Address(1));
        Client.RemoteCollection remote = await typed.CreateCollectionAsync("typed", new CollectionOptions(4, DistanceMetric.L2), new Client.ShardingOptions(ShardNumber: 5));
        await ClusterChecks.RetryUnavailableAsync(() => remote.UpsertAsync(Enumerable.Range(0, 50).Select(i => new Point((ulong)i, [i, 1, 2, 3])).ToArray()));
        Assert.Equal(50, (await remote.GetInfoAsync()).PointCount);
        Assert.Contains("typed", await typed.ListCollectionsAsync());

        // A batch with one point lacking the shard key: refused naming the field, nothing written on any shard.
        var points = new Api.V1.Points.PointsClient(cluster.Channel(1));
        var batch = new UpsertPoints { CollectionName = "jobs" };
        batch.Points.Add(new Point(1UL, [1, 2, 3, 4], new Payload { ["tenant"] = "acme" }).ToWire());
        batch.Points.Add(new Point(2UL, [1, 2, 3, 4], new Payload { ["title"] = "no tenant" }).ToWire());
        RpcException missing = await Assert.ThrowsAsync<RpcException>(() => points.UpsertAsync(batch).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, missing.StatusCode);
        Assert.Contains("'tenant'", missing.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0UL, (await points.CountAsync(new CountPoints { CollectionName = "jobs" })).Count);

        // A batch over many shards with one bad vector (wrong length) at its end: refused whole, on no shard written.
        var spread = new UpsertPoints { CollectionName = "jobs" };
        spread.Points.AddRange(Enumerable.Range(0, 40).Select(i => new Point((ulong)i, [1, 2, 3, 4], new Payload { ["tenant"] = "t" + i }).ToWire()));
        spread.Points.Add(new Point(99UL, [1, 2, 3], new Payload { ["tenant"] = "t1" }).ToWire());
        RpcException bad = await Assert.ThrowsAsync<RpcException>(() => points.UpsertAsync(spread).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Equal("points[40].vector", bad.Trailers.GetValue("field"));
        Assert.Equal(0UL, (await points.CountAsync(new CountPoints { CollectionName = "jobs" })).Count);
    }

    private static Point MakePoint(int i)
    {
        var random = new Random(i);
        return new Point((ulong)i, Vector(random), new Payload { ["tenant"] = "t" + (i % Tenants), ["group"] = (long)(i % 4) });
    }

    private static float[] Vector(Random random)
    {
        // Clustered: 16 centres, so neighbours are close and recall differences show.
        int centre = random.Next(16);
        return Enumerable.Range(0, Dimension).Select(d => (float)(Math.Sin(centre * 7 + d) + random.NextDouble() * 0.3)).ToArray();
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("vectorengine-ref-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
