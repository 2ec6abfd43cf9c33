using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using VectorEngine.Api.V1;
using VectorEngine.Protocol.Mapping;
using VectorEngine.Sharding.Placement;
using VectorEngine.Sharding.Tests.Support;
using Xunit.Abstractions;

namespace VectorEngine.Cluster.Tests;

/// <summary>
/// Jepsen-style: writers with unique ids against a replicated cluster while a nemesis kills -9 a node every 10 s (a
/// shard's primary first) and restarts it 5 s later. Every attempt goes to a history file (JSON lines: invoke, ok,
/// fail); the checker reads it back: every acknowledged write is present, nothing appears that was never written, and
/// every shard's copies end identical. VECTORENGINE_JEPSEN_ROUNDS sets the kill/restart rounds (10 s each, default 6:
/// a 60 s run; bench/jepsen.sh --rounds N runs it longer), VECTORENGINE_JEPSEN_HISTORY keeps the history file there.
/// </summary>
public sealed class JepsenTests(ITestOutputHelper output)
{
    private const int Writers = 4;
    private const int Dimension = 8;

    [Fact]
    public async Task Killing_nodes_under_write_load_loses_no_acknowledged_write_and_copies_end_identical()
    {
        int seconds = 10 * (int.TryParse(Environment.GetEnvironmentVariable("VECTORENGINE_JEPSEN_ROUNDS"), out int rounds) && rounds >= 1 ? rounds : 6);
        await using ClusterHarness cluster = await ClusterHarness.StartAsync(3);
        CreateCollection create = new CollectionOptions(Dimension, DistanceMetric.L2).ToWire("jepsen");
        create.ShardNumber = 3;
        create.ReplicationFactor = 2;
        await new Api.V1.Collections.CollectionsClient(cluster.Channel(0)).CreateAsync(create, deadline: DateTime.UtcNow.AddSeconds(10));
        ShardMap map = (await cluster.ShardMapAsync("jepsen")).Map;

        string? keep = Environment.GetEnvironmentVariable("VECTORENGINE_JEPSEN_HISTORY");
        string historyPath = keep is { Length: > 0 } ? Path.GetFullPath(keep) : Path.Combine(Path.GetTempPath(), $"vectorengine-jepsen-{Guid.NewGuid():N}.jsonl");
        var history = new History(historyPath);
        var down = new HashSet<int>();
        var clock = Stopwatch.StartNew();
        TimeSpan end = TimeSpan.FromSeconds(seconds);

        Task[] writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriteLoopAsync(cluster, w, down, history, clock, end))).ToArray();
        List<(double At, string Event)> nemesis = await NemesisAsync(cluster, map, down, clock, end);
        await Task.WhenAll(writers);
        history.Dispose();

        // Everyone back, then the checker.
        for (int node = 0; node < cluster.Count; node++)
        {
            if (!cluster.IsRunning(node))
            {
                await cluster.StartNodeAsync(node);
            }
        }

        Checked result = Check(historyPath);
        (map, ulong incarnation) = await cluster.ShardMapAsync("jepsen");
        var points = new Points.PointsClient(cluster.Channel(0));
        HashSet<ulong> present = [];
        await Eventually.Holds(() =>
        {
            // Right after the restarts a shard may not answer yet (Unavailable): that is waited out, not a lost write.
            present = ClusterChecks.AllIdsOnceServing(points, "jepsen").GetAwaiter().GetResult() ?? [];
            return result.Acknowledged.IsSubsetOf(present);
        }, TimeSpan.FromSeconds(60), "every acknowledged write is present");
        Assert.Empty(present.Except(result.Invoked));

        // Every shard's copies: the same ids with the same payloads, read from each copy itself.
        await Eventually.Holds(() => map.Shards.All(shard => ClusterChecks.CopiesEqual(cluster, map, incarnation, "jepsen", shard.ShardId)), TimeSpan.FromSeconds(60), "every shard's copies hold the same points");

        // Writes to each shard resumed after each kill: the longest stretch a shard went without an acknowledged write.
        double[] gaps = map.Shards.Select(shard => LongestGap(result.OkTimes.Where(o => map.ShardOf(StableHash.Of(new PointId(o.Id))) == shard.ShardId).Select(o => o.At))).ToArray();
        output.WriteLine($"{result.Invocations} attempts, {result.Acknowledged.Count} acknowledged, {result.Failures} failed; nemesis: {string.Join("; ", nemesis.Select(n => $"{n.At:F1}s {n.Event}"))}");
        output.WriteLine($"longest stretch without an acknowledged write per shard: {string.Join(", ", gaps.Select(g => g.ToString("F1", CultureInfo.InvariantCulture) + " s"))}");
        Assert.True(result.Acknowledged.Count > 100, $"only {result.Acknowledged.Count} writes were acknowledged");
        Assert.All(gaps, gap => Assert.True(gap < 15, $"a shard went {gap:F1} s without a write"));
        if (keep is not { Length: > 0 })
        {
            File.Delete(historyPath);
        }
    }

    private static async Task WriteLoopAsync(ClusterHarness cluster, int writer, HashSet<int> down, History history, Stopwatch clock, TimeSpan end)
    {
        var clients = Enumerable.Range(0, cluster.Count).Select(i => new Points.PointsClient(cluster.Channel(i))).ToArray();
        var random = new Random(writer);
        for (long seq = 0; clock.Elapsed < end && seq < 1_000_000; seq++)
        {
            ulong id = (ulong)(writer * 1_000_000L + seq);
            var point = new PointStruct { Id = new PointId(id).ToWire(), Vector = { Enumerable.Range(0, Dimension).Select(_ => (float)random.NextDouble()) } };
            point.Payload["w"] = new Value { IntegerValue = writer };
            point.Payload["seq"] = new Value { IntegerValue = seq };

            // The same id again until acknowledged (an upsert by id is idempotent), for at most 20 s.
            var attempt = Stopwatch.StartNew();
            for (int tries = 0; tries < 400 && attempt.Elapsed < TimeSpan.FromSeconds(20); tries++)
            {
                int node = PickNode(cluster, down, writer + tries);
                history.Add(clock, writer, "invoke", id, node, null);
                try
                {
                    await clients[node].UpsertAsync(new UpsertPoints { CollectionName = "jepsen", Points = { point } }, deadline: DateTime.UtcNow.AddSeconds(5));
                    history.Add(clock, writer, "ok", id, node, null);
                    break;
                }
                catch (RpcException e)
                {
                    history.Add(clock, writer, "fail", id, node, e.StatusCode.ToString());
                    await Task.Delay(50);
                }
            }
        }
    }

    private static int PickNode(ClusterHarness cluster, HashSet<int> down, int salt)
    {
        lock (down)
        {
            int[] up = Enumerable.Range(0, cluster.Count).Where(n => !down.Contains(n)).ToArray();
            return up.Length == 0 ? 0 : up[salt % up.Length];
        }
    }

    /// <summary>Every 10 s: kill -9 a node (first the primary of shard 0), restart it 5 s later.</summary>
    private static async Task<List<(double, string)>> NemesisAsync(ClusterHarness cluster, ShardMap map, HashSet<int> down, Stopwatch clock, TimeSpan end)
    {
        var events = new List<(double, string)>();
        int first = cluster.IndexOf(map.Shards[0].Primary);
        for (int round = 0; ; round++)
        {
            TimeSpan killAt = TimeSpan.FromSeconds(5 + (10 * round));
            if (killAt + TimeSpan.FromSeconds(5) > end)
            {
                return events;
            }

            await Task.Delay(killAt - clock.Elapsed > TimeSpan.Zero ? killAt - clock.Elapsed : TimeSpan.Zero);
            int victim = (first + round) % cluster.Count;
            lock (down)
            {
                down.Add(victim);
            }

            cluster.Kill(victim);
            events.Add((clock.Elapsed.TotalSeconds, $"kill {cluster.NodeId(victim)}"));
            await Task.Delay(TimeSpan.FromSeconds(5));
            await cluster.StartNodeAsync(victim);
            lock (down)
            {
                down.Remove(victim);
            }

            events.Add((clock.Elapsed.TotalSeconds, $"{cluster.NodeId(victim)} serving"));
        }
    }

    private static double LongestGap(IEnumerable<double> times)
    {
        double[] sorted = times.Order().ToArray();
        double longest = 0;
        for (int i = 1; i < sorted.Length; i++)
        {
            longest = Math.Max(longest, sorted[i] - sorted[i - 1]);
        }

        return longest;
    }

    /// <summary>Reads the history back: every ok follows an invoke of the same id by the same writer.</summary>
    private static Checked Check(string path)
    {
        var invoked = new HashSet<ulong>();
        var acknowledged = new HashSet<ulong>();
        var okTimes = new List<(ulong, double)>();
        var open = new HashSet<(int, ulong)>();
        int invocations = 0, failures = 0;
        foreach (string line in File.ReadLines(path))
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            JsonElement e = doc.RootElement;
            int writer = e.GetProperty("writer").GetInt32();
            ulong id = e.GetProperty("id").GetUInt64();
            switch (e.GetProperty("op").GetString())
            {
                case "invoke":
                    invocations++;
                    invoked.Add(id);
                    open.Add((writer, id));
                    break;
                case "ok":
                    Assert.True(open.Remove((writer, id)), $"ok of {id} without an invoke");
                    acknowledged.Add(id);
                    okTimes.Add((id, e.GetProperty("t").GetDouble()));
                    break;
                default:
                    Assert.True(open.Remove((writer, id)), $"fail of {id} without an invoke");
                    failures++;
                    break;
            }
        }

        return new Checked(invoked, acknowledged, okTimes, invocations, failures);
    }

    private sealed record Checked(HashSet<ulong> Invoked, HashSet<ulong> Acknowledged, List<(ulong Id, double At)> OkTimes, int Invocations, int Failures);

    /// <summary>The history file: one JSON object per line, appended under a lock, flushed as it goes.</summary>
    private sealed class History(string path) : IDisposable
    {
        private readonly StreamWriter _writer = new(path);

        public void Add(Stopwatch clock, int writer, string op, ulong id, int node, string? status)
        {
            string line = JsonSerializer.Serialize(new { t = clock.Elapsed.TotalSeconds, writer, op, id, node, status });
            lock (_writer)
            {
                _writer.WriteLine(line);
            }
        }

        public void Dispose()
        {
            lock (_writer)
            {
                _writer.Dispose();
            }
        }
    }
}
