using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using VectorEngine.Api.V1;
using VectorEngine.Client;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Server.Tests;

/// <summary>
/// Thousands of random malformed requests: each gets a client-error status (never Internal or Unknown), the server
/// keeps serving, a valid search still returns the right answer, and no data changed.
/// </summary>
public sealed class FuzzTests
{
    private const int Dim = 8;
    private static readonly StatusCode[] ClientErrors =
        [StatusCode.InvalidArgument, StatusCode.NotFound, StatusCode.AlreadyExists, StatusCode.FailedPrecondition];

    [Fact]
    public async Task Random_malformed_requests_are_refused_cleanly_and_change_nothing()
    {
        await using ServerHarness server = await ServerHarness.StartAsync(settings: new Dictionary<string, string?> { ["Server:MaxBatchPoints"] = "250" });
        var options = new CollectionOptions(Dim, DistanceMetric.L2);
        options.PayloadIndexes["city"] = PayloadIndexType.Keyword;
        RemoteCollection c = await server.Client.CreateCollectionAsync("c", options);
        float[][] vectors = Data.RandomVectors(5, 200, Dim);
        await c.UpsertAsync(vectors.Select((v, i) => new VectorEngine.Point((ulong)i, v, new Payload { ["city"] = i % 2 == 0 ? "a" : "b" })).ToArray());
        IReadOnlyList<VectorEngine.ScoredPoint> before = await c.SearchAsync(new SearchRequest(vectors[17], 5));

        var points = new Api.V1.Points.PointsClient(server.Channel);
        var collections = new Api.V1.Collections.CollectionsClient(server.Channel);
        var random = new Random(20261122);
        var counts = new Dictionary<StatusCode, int>();
        DateTime deadline = DateTime.UtcNow.AddSeconds(90);
        SearchBatchPoints? last = null;
        for (int i = 0; i < 3_000 && DateTime.UtcNow < deadline; i++)
        {
            Task call = (i % 8) switch
            {
                0 => points.UpsertAsync(BadUpsert(random)).ResponseAsync,
                1 => points.SearchAsync(BadSearch(random)).ResponseAsync,
                2 => points.CountAsync(new CountPoints { CollectionName = Name(random), Filter = BadFilter(random, 0) }).ResponseAsync,
                3 => points.DeleteAsync(BadDelete(random)).ResponseAsync,
                4 => points.GetAsync(new GetPoints { CollectionName = random.Next(3) == 0 ? "c" : Name(random), Ids = { new Api.V1.PointId() } }).ResponseAsync,
                5 => collections.CreateAsync(BadCreate(random)).ResponseAsync,
                6 => points.ScrollAsync(new ScrollPoints { CollectionName = "c", Filter = BadFilter(random, 0), Limit = 5 }).ResponseAsync,
                _ when random.Next(10) == 0 => points.SearchBatchAsync(last = OversizedBatch(random)).ResponseAsync,
                _ => points.SearchBatchAsync(last = new SearchBatchPoints { CollectionName = "c", Searches = { BadSearch(random), BadSearch(random) } }).ResponseAsync,
            };
            RpcException? refused = null;
            try
            {
                await call;
            }
            catch (RpcException e)
            {
                refused = e;
            }

            Assert.True(refused is not null, $"request {i} (kind {i % 8}) was accepted: {last}");
            Assert.True(ClientErrors.Contains(refused.StatusCode), $"request {i}: {refused.StatusCode} {refused.Status.Detail}");
            Assert.False(string.IsNullOrWhiteSpace(refused.Status.Detail));
            counts[refused.StatusCode] = counts.GetValueOrDefault(refused.StatusCode) + 1;
        }

        Assert.True(counts.Values.Sum() >= 1_000, $"only {counts.Values.Sum()} requests ran before the deadline");
        Assert.Equal(["c"], await server.Client.ListCollectionsAsync());
        Assert.Equal(200, await c.CountAsync());
        IReadOnlyList<PointRecord> all = await c.GetAsync(Enumerable.Range(0, 200).Select(i => new VectorEngine.PointId((ulong)i)), withVector: true);
        Assert.Equal(vectors, all.OrderBy(p => p.Id.Number).Select(p => p.Vector!).ToArray());
        Assert.Equal(before.Select(h => h.Id), (await c.SearchAsync(new SearchRequest(vectors[17], 5))).Select(h => h.Id));
    }

    /// <summary>
    /// Malformed searches down one search stream: each is answered in order with its own client-error status, the stream
    /// stays open, and a valid search interleaved with them is answered correctly.
    /// </summary>
    [Fact]
    public async Task Malformed_searches_down_a_stream_are_answered_alone_and_the_stream_goes_on()
    {
        await using ServerHarness server = await ServerHarness.StartAsync();
        RemoteCollection c = await server.Client.CreateCollectionAsync("c", new CollectionOptions(Dim, DistanceMetric.L2));
        float[][] vectors = Data.RandomVectors(6, 100, Dim);
        await c.UpsertAsync(vectors.Select((v, i) => new VectorEngine.Point((ulong)i, v)).ToArray());
        var points = new Api.V1.Points.PointsClient(server.Channel);
        using AsyncDuplexStreamingCall<SearchPoints, SearchStreamResponse> call = points.SearchStream();
        var random = new Random(20261130);
        for (int i = 0; i < 400; i++)
        {
            bool valid = i % 5 == 0;
            SearchPoints search = valid ? new SearchPoints { CollectionName = "c", Vector = { vectors[i % 100] }, Limit = 1 } : BadSearch(random);
            await call.RequestStream.WriteAsync(search);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None), $"the stream ended at search {i}");
            SearchStreamResponse answer = call.ResponseStream.Current;
            if (valid)
            {
                Assert.Null(answer.Error);
                Assert.Equal((ulong)(i % 100), answer.Result.Single().Id.Num);
            }
            else
            {
                Assert.NotNull(answer.Error);
                Assert.Contains((StatusCode)answer.Error.Code, ClientErrors);
            }
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
    }

    /// <summary>
    /// Snapshot archives as an attacker or a bad disk would send them: random bytes, truncated, bit-flipped, or with
    /// entries a snapshot never holds. Each is refused with InvalidArgument (or restores whole, when a flip only hit
    /// padding), the server keeps serving, and nothing is left behind.
    /// </summary>
    [Fact]
    public async Task Malformed_snapshot_archives_are_refused_cleanly()
    {
        await using ServerHarness server = await ServerHarness.StartAsync();
        RemoteCollection c = await server.Client.CreateCollectionAsync("c", new CollectionOptions(Dim, DistanceMetric.L2));
        float[][] vectors = Data.RandomVectors(9, 100, Dim);
        await c.UpsertAsync(vectors.Select((v, i) => new VectorEngine.Point((ulong)i, v, new Payload { ["n"] = i })).ToArray());
        using var original = new MemoryStream();
        await c.DownloadSnapshotAsync(await c.CreateSnapshotAsync(), original);
        byte[] valid = original.ToArray();

        var random = new Random(20261130);
        int refused = 0, restored = 0;
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        for (int i = 0; i < 120 && DateTime.UtcNow < deadline; i++)
        {
            byte[] archive = (i % 4) switch
            {
                0 => RandomBytes(random, random.Next(1, 4096)),
                1 => valid[..random.Next(1, valid.Length)],
                2 => Flip(random, valid),
                _ => WithExtraEntry(random, valid),
            };
            try
            {
                RemoteCollection copy = await server.Client.RestoreSnapshotAsync(new MemoryStream(archive), "copy");
                // A flip in padding, or a cut that only drops the archive's trailing zero blocks, leaves a whole snapshot.
                Assert.True(i % 4 is 1 or 2, $"archive {i} (kind {i % 4}) was restored");
                Assert.Equal(100, await copy.CountAsync());
                await server.Client.DropCollectionAsync("copy");
                restored++;
            }
            catch (VectorEngineArgumentException e)
            {
                Assert.DoesNotContain(server.DataDirectory, e.Message);
                refused++;
            }
        }

        Assert.True(refused >= 60, $"only {refused} archives were refused ({restored} restored)");
        Assert.Equal(["c"], await server.Client.ListCollectionsAsync());
        Assert.Equal(100, await c.CountAsync());
        string staging = Path.Combine(server.DataDirectory, ".staging");
        Assert.Empty(Directory.Exists(staging) ? Directory.GetFileSystemEntries(staging) : []);
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Flip(Random random, byte[] valid)
    {
        byte[] copy = (byte[])valid.Clone();
        copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        return copy;
    }

    private static byte[] WithExtraEntry(Random random, byte[] valid)
    {
        using var output = new MemoryStream();
        using (var writer = new System.Formats.Tar.TarWriter(output, leaveOpen: true))
        using (var reader = new System.Formats.Tar.TarReader(new MemoryStream(valid)))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                writer.WriteEntry(entry);
            }

            string[] names = ["segments/00000001/hnsw.graph", "../../etc/cron.d/x", "segments/00000001/int8.codes", "wal/000000000001.wal", "config.json"];
            writer.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, names[random.Next(names.Length)])
            {
                DataStream = new MemoryStream(RandomBytes(random, 100)),
            });
        }

        return output.ToArray();
    }

    private static string Name(Random random) => random.Next(4) switch
    {
        0 => string.Empty,
        1 => "missing",
        2 => new string('x', 300),
        _ => "../" + random.Next(),
    };

    private static float[] Vector(Random random, bool valid)
    {
        if (valid)
        {
            return Enumerable.Range(0, Dim).Select(_ => (float)random.NextDouble()).ToArray();
        }

        return random.Next(4) switch
        {
            0 => [],
            1 => Enumerable.Range(0, Dim + 1 + random.Next(5)).Select(_ => (float)random.NextDouble()).ToArray(),
            2 => Enumerable.Range(0, Dim).Select(d => d == 3 ? float.NaN : 1f).ToArray(),
            _ => Enumerable.Range(0, Dim).Select(d => d == 0 ? float.PositiveInfinity : 1f).ToArray(),
        };
    }

    private static UpsertPoints BadUpsert(Random random)
    {
        // Valid-looking points around exactly one bad one: the batch must be refused whole.
        var request = new UpsertPoints { CollectionName = random.Next(5) == 0 ? Name(random) : "c" };
        int n = random.Next(1, 6);
        int bad = random.Next(n);
        for (int i = 0; i < n; i++)
        {
            var point = new PointStruct { Id = new Api.V1.PointId { Num = (ulong)(10_000 + random.Next(1_000)) }, Vector = { Vector(random, true) } };
            if (i == bad)
            {
                switch (random.Next(5))
                {
                    case 0:
                        point.Id = null;
                        break;
                    case 1:
                        point.Vector.Clear();
                        point.Vector.Add(Vector(random, false));
                        break;
                    case 2:
                        point.Id = new Api.V1.PointId { Uuid = "not-a-uuid" };
                        break;
                    case 3:
                        point.Payload["city"] = new Api.V1.Value { IntegerValue = 5 };
                        break;
                    default:
                        point.Id = new Api.V1.PointId { Str = new string('s', 600) };
                        break;
                }
            }

            request.Points.Add(point);
        }

        if (random.Next(20) == 0)
        {
            request.Points.Add(Enumerable.Range(0, 251).Select(i => new PointStruct { Id = new Api.V1.PointId { Num = (ulong)i }, Vector = { Vector(random, true) } }));
        }

        return request;
    }

    /// <summary>More searches than Server:MaxBatchSearches (1,000 by default), each of them valid.</summary>
    private static SearchBatchPoints OversizedBatch(Random random)
    {
        var batch = new SearchBatchPoints { CollectionName = "c" };
        for (int i = 0; i < 1_001 + random.Next(100); i++)
        {
            batch.Searches.Add(new SearchPoints { CollectionName = "c", Vector = { Vector(random, true) }, Limit = 5 });
        }

        return batch;
    }

    private static SearchPoints BadSearch(Random random)
    {
        var search = new SearchPoints { CollectionName = "c", Vector = { Vector(random, true) }, Limit = 5 };
        switch (random.Next(8))
        {
            case 0:
                search.Vector.Clear();
                search.Vector.Add(Vector(random, false));
                break;
            case 1:
                search.Limit = random.Next(2) == 0 ? 0 : ulong.MaxValue;
                break;
            case 2:
                search.Params = new Api.V1.SearchParams { HnswEf = 0 };
                break;
            case 3:
                search.Filter = BadFilter(random, 0);
                break;
            case 4:
                // Never empty: inside a batch an empty name means the batch's own collection, which is valid.
                search.CollectionName = Name(random) is { Length: > 0 } name ? name : "missing";
                break;
            case 5:
                search.Params = new Api.V1.SearchParams { Quantization = new QuantizationSearchParams { Oversampling = -1 } };
                search.Filter = BadFilter(random, 0);
                break;
            case 6:
                // Unbounded work: k x oversampling past the rescoring bound, or a beam of a billion.
                search.Limit = 10_000;
                search.Params = random.Next(2) == 0
                    ? new Api.V1.SearchParams { Quantization = new QuantizationSearchParams { Oversampling = random.Next(2) == 0 ? 50_000 : double.NaN } }
                    : new Api.V1.SearchParams { HnswEf = (ulong)random.NextInt64(100_001, long.MaxValue) };
                break;
            default:
                // Finite components whose squared norm overflows.
                search.Vector.Clear();
                search.Vector.Add(Enumerable.Repeat(1e20f, Dim));
                break;
        }

        return search;
    }

    private static Api.V1.Filter BadFilter(Random random, int depth)
    {
        var filter = new Api.V1.Filter();
        switch (random.Next(depth > 3 ? 5 : 6))
        {
            case 0:
                filter.Must.Add(new Api.V1.Condition());
                break;
            case 1:
                filter.Must.Add(new Api.V1.Condition { Field = new FieldCondition { Key = "city" } });
                break;
            case 2:
                filter.Should.Add(new Api.V1.Condition { Field = new FieldCondition { Key = "", Match = new Match { Keyword = "a" } } });
                break;
            case 3:
                filter.MustNot.Add(new Api.V1.Condition
                {
                    Field = new FieldCondition { Key = "n", Range = new Api.V1.Range(), DatetimeRange = new DatetimeRange { Gt = Timestamp.FromDateTime(DateTime.UtcNow) } },
                });
                break;
            case 4:
                Api.V1.Filter deep = filter;
                for (int level = 0; level < 20; level++)
                {
                    var inner = new Api.V1.Filter();
                    deep.Must.Add(new Api.V1.Condition { Filter = inner });
                    deep = inner;
                }

                break;
            default:
                filter.Must.Add(new Api.V1.Condition { Filter = BadFilter(random, depth + 1) });
                break;
        }

        return filter;
    }

    private static DeletePoints BadDelete(Random random) => random.Next(3) switch
    {
        0 => new DeletePoints { CollectionName = "c" },
        1 => new DeletePoints { CollectionName = "c", Filter = BadFilter(random, 0) },
        _ => new DeletePoints { CollectionName = Name(random), Points = new PointsIdsList { Ids = { new Api.V1.PointId { Num = 1 } } } },
    };

    private static CreateCollection BadCreate(Random random) => random.Next(5) switch
    {
        0 => new CreateCollection { CollectionName = "c", Vectors = new VectorParams { Size = Dim, Distance = Distance.Euclid } },
        1 => new CreateCollection { CollectionName = "new" + random.Next(), Vectors = new VectorParams { Size = 0, Distance = Distance.Euclid } },
        2 => new CreateCollection { CollectionName = "new" + random.Next(), Vectors = new VectorParams { Size = Dim } },
        3 => new CreateCollection
        {
            CollectionName = "new" + random.Next(),
            Vectors = new VectorParams { Size = Dim, Distance = Distance.Cosine },
            HnswConfig = new HnswConfig { M = 1 },
        },
        _ => new CreateCollection
        {
            // Only names that are invalid as well as missing: "missing" would be created.
            CollectionName = random.Next(3) switch { 0 => string.Empty, 1 => new string('x', 300), _ => "../" + random.Next() },
            Vectors = new VectorParams { Size = Dim, Distance = Distance.Dot },
        },
    };
}
