using System.Diagnostics;
using Grpc.Net.Client;
using VectorEngine.Bench.Datasets;
using VectorEngine.Client;

namespace VectorEngine.Bench.Load;

/// <summary>
/// Closed-loop load on a server: N clients on C HTTP/2 connections, each issuing its next call when the
/// previous one returns, with operations drawn from a mix. Every loop is bounded by the duration and by a call count.
/// Several targets (cluster nodes, comma-separated) share the connections round-robin and are reported one by one.
/// </summary>
internal sealed class LoadRunner(string target, string collection, string? apiKey, SearchApi searchApi)
{
    /// <summary>Calls per client at most, whatever the duration.</summary>
    private const int MaxCallsPerClient = 10_000_000;

    /// <summary>Every target, as URLs.</summary>
    public string[] Addresses { get; } = target.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(t => t.StartsWith("http", StringComparison.Ordinal) ? t : "http://" + t).ToArray();

    /// <summary>The first target: where the collection is set up and described.</summary>
    public string Address => Addresses[0];

    /// <summary>Creates the collection from a dataset's base vectors (streamed in batches) and seals it into its index.</summary>
    /// <param name="data">The dataset.</param>
    /// <param name="m">HNSW M.</param>
    /// <param name="efConstruction">HNSW efConstruction.</param>
    /// <param name="progress">Told the points upserted so far.</param>
    /// <param name="shards">On a cluster, the shard count (e.g. what bench plan recommends); null for the server's default.</param>
    /// <param name="replication">On a cluster, copies per shard; null for the server's default.</param>
    public async Task<double> SetupAsync(Dataset data, int m, int efConstruction, Action<int>? progress, int? shards = null, int? replication = null)
    {
        using var client = new VectorEngineClient(Address, apiKey);
        var clock = Stopwatch.StartNew();
        var options = new CollectionOptions(data.Dimension, data.Metric)
        {
            Index = Hnsw.HnswOptionsExtensions.Spec(new Hnsw.HnswParameters { M = m, EfConstruction = efConstruction }),
        };
        RemoteCollection remote = shards is null && replication is null
            ? await client.CreateCollectionAsync(collection, options)
            : await client.CreateCollectionAsync(collection, options, new ShardingOptions(shards, null, replication));

        async IAsyncEnumerable<IReadOnlyList<Point>> Batches()
        {
            for (int start = 0; start < data.Base.Length; start += 1_000)
            {
                int end = Math.Min(data.Base.Length, start + 1_000);
                yield return Enumerable.Range(start, end - start).Select(i => new Point((ulong)i, data.Base[i])).ToArray();
                progress?.Invoke(end);
                await Task.Yield();
            }
        }

        await remote.UpsertStreamAsync(Batches());
        await remote.CheckpointAsync();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Recall@k of the server's answers to the dataset's queries against its ground truth (ids are row numbers).</summary>
    public async Task<double> RecallAsync(Dataset data, int k, SearchParams parameters)
    {
        int[][] groundTruth = data.GroundTruth ?? throw new ArgumentException("The dataset carries no ground truth.", nameof(data));
        using var client = new VectorEngineClient(Address, apiKey);
        RemoteCollection remote = client.GetCollection(collection);
        double total = 0;
        for (int q = 0; q < data.Queries.Length; q++)
        {
            IReadOnlyList<ScoredPoint> hits = await remote.SearchAsync(new SearchRequest(data.Queries[q], k) { WithPayload = false, Params = parameters });
            var truth = groundTruth[q].Take(k).ToHashSet();
            total += hits.Count(h => truth.Contains((int)h.Id.Number)) / (double)k;
        }

        return total / data.Queries.Length;
    }

    /// <summary>
    /// Runs the mix for <paramref name="duration"/> with <paramref name="clients"/> clients: each sends its next call
    /// when the last returns (closed loop), or, with <paramref name="rate"/>, on a schedule that keeps all of them at
    /// that many calls per second (open loop: a call the schedule wanted while the last was still out is timed from
    /// when it was due, so a slow server's queue shows in the latencies instead of slowing the load down).
    /// </summary>
    public async Task<LoadReport> RunAsync(int clients, int connections, TimeSpan duration, Dictionary<string, double> mix, float[][] queries, int k,
        SearchParams parameters, int dimension, double? rate = null)
    {
        double interval = rate is { } r ? clients / r : 0;
        // Clients share connections round-robin: HTTP/2 multiplexes their calls, and both ends then coalesce frames of
        // concurrent calls into fewer socket reads and writes.
        GrpcChannel[] channels = Enumerable.Range(0, connections).Select(i => GrpcChannel.ForAddress(Addresses[i % Addresses.Length])).ToArray();

        double total = mix.Values.Sum();
        double searchShare = mix.GetValueOrDefault("search") / total;
        double countShare = mix.GetValueOrDefault("count") / total;
        var results = new ClientResult[clients];
        var start = new TaskCompletionSource();
        Task[] tasks = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            using var client = new VectorEngineClient(channels[c % connections], apiKey);
            RemoteCollection remote = client.GetCollection(collection);
            await using SearchStream? stream = searchApi == SearchApi.Stream ? remote.OpenSearchStream() : null;
            Func<SearchRequest, Task<IReadOnlyList<ScoredPoint>>> search = stream is null ? r => remote.SearchAsync(r) : r => stream.SearchAsync(r);
            var random = new Random(c + 1);
            var result = new ClientResult { Target = Addresses[(c % connections) % Addresses.Length], Seconds = (int)Math.Ceiling(duration.TotalSeconds) + 2 };
            results[c] = result;

            // One warm call per client outside the clock (connection set-up, first JIT).
            await search(new SearchRequest(queries[0], k) { WithPayload = false, Params = parameters });
            await start.Task;
            var clock = Stopwatch.StartNew();
            ulong nextId = (ulong)(1_000_000_000L + (c * 100_000_000L));
            for (int call = 0; call < MaxCallsPerClient && clock.Elapsed < duration; call++)
            {
                double draw = random.NextDouble();
                Op op = draw < searchShare ? Op.Search : draw < searchShare + countShare ? Op.Count : Op.Upsert;
                long began = Stopwatch.GetTimestamp();
                if (rate is not null)
                {
                    // Clients start staggered across one interval; a call is due interval after the one before.
                    double due = (interval * c / clients) + (interval * call);
                    double now = clock.Elapsed.TotalSeconds;
                    if (due > now)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(due - now));
                        began = Stopwatch.GetTimestamp();
                    }
                    else
                    {
                        // Behind schedule: the wait since the call was due is the server's queue, and counts.
                        began -= (long)((now - due) * Stopwatch.Frequency);
                    }

                    if (clock.Elapsed >= duration)
                    {
                        break;
                    }
                }

                try
                {
                    switch (op)
                    {
                        case Op.Search:
                            await search(new SearchRequest(queries[random.Next(queries.Length)], k) { WithPayload = false, Params = parameters });
                            break;
                        case Op.Count:
                            // Next to no engine work: what a call costs in the network stack alone.
                            await remote.CountAsync();
                            break;
                        default:
                            float[] vector = Enumerable.Range(0, dimension).Select(_ => (float)random.NextDouble()).ToArray();
                            await remote.UpsertAsync([new Point(nextId++, vector)]);
                            break;
                    }

                    result.Latencies[(int)op].Add(Stopwatch.GetElapsedTime(began).TotalMicroseconds);
                    result.Ok[(int)op][Math.Min(result.Seconds - 1, (int)clock.Elapsed.TotalSeconds)]++;
                }
                catch (Exception) when (clock.Elapsed < duration)
                {
                    result.Errors[(int)op]++;
                    result.Failed[(int)op][Math.Min(result.Seconds - 1, (int)clock.Elapsed.TotalSeconds)]++;
                }
            }
        })).ToArray();

        // Start the clock once every client is connected and warm.
        await Task.Delay(200);
        var wall = Stopwatch.StartNew();
        start.SetResult();
        await Task.WhenAll(tasks);
        double seconds = wall.Elapsed.TotalSeconds;
        foreach (GrpcChannel channel in channels)
        {
            channel.Dispose();
        }

        var report = new LoadReport
        {
            Target = string.Join(",", Addresses),
            Collection = collection,
            Clients = clients,
            Connections = connections,
            SearchApi = searchApi == SearchApi.Stream ? "stream" : "unary",
            DurationSeconds = Math.Round(seconds, 3),
            Mix = mix,
            K = k,
            SearchParams = parameters.Ef is { } ef ? new() { ["ef"] = ef } : [],
            Rate = rate,
            TotalQps = Math.Round(results.Sum(r => r.Latencies.Sum(l => l.Count)) / seconds, 1),
        };
        foreach (Op op in Enum.GetValues<Op>())
        {
            report.Ops.Add(Summarise(op.ToString().ToLowerInvariant(), results.SelectMany(r => r.Latencies[(int)op]).ToList(),
                results.Sum(r => r.Errors[(int)op]), seconds));
        }

        report.Ops.RemoveAll(op => op.Count == 0 && op.Errors == 0);
        for (int second = 0; second < Math.Ceiling(seconds); second++)
        {
            var row = new Dictionary<string, long> { ["second"] = second };
            foreach (Op op in Enum.GetValues<Op>().Where(o => report.Ops.Any(r => r.Op == o.ToString().ToLowerInvariant())))
            {
                string name = op.ToString().ToLowerInvariant();
                row[name + "_ok"] = results.Sum(r => second < r.Seconds ? r.Ok[(int)op][second] : 0);
                row[name + "_errors"] = results.Sum(r => second < r.Seconds ? r.Failed[(int)op][second] : 0);
            }

            report.Timeline.Add(row);
        }

        foreach (IGrouping<string, ClientResult> byTarget in results.GroupBy(r => r.Target))
        {
            report.Targets.Add(Summarise(byTarget.Key, byTarget.SelectMany(r => r.Latencies.SelectMany(l => l)).ToList(), byTarget.Sum(r => r.Errors.Sum()), seconds));
        }

        return report;
    }

    private static LoadOp Summarise(string op, List<double> latencies, long errors, double seconds)
    {
        latencies.Sort();
        double At(double p) => latencies.Count == 0 ? 0 : Math.Round(latencies[Math.Min(latencies.Count - 1, (int)(p * latencies.Count))], 1);
        return new LoadOp
        {
            Op = op,
            Count = latencies.Count,
            Errors = errors,
            Qps = Math.Round(latencies.Count / seconds, 1),
            P50Us = At(0.50),
            P95Us = At(0.95),
            P99Us = At(0.99),
        };
    }

    private enum Op
    {
        Search,
        Upsert,
        Count,
    }

    private sealed class ClientResult
    {
        public required string Target { get; init; }

        public List<double>[] Latencies { get; } = [[], [], []];

        public long[] Errors { get; } = new long[3];

        /// <summary>Seconds of the run the per-second counts cover.</summary>
        public required int Seconds { get; init; }

        /// <summary>Per operation, completed calls in each second of the run.</summary>
        public long[][] Ok => _ok ??= [new long[Seconds], new long[Seconds], new long[Seconds]];

        /// <summary>Per operation, failed calls in each second of the run.</summary>
        public long[][] Failed => _failed ??= [new long[Seconds], new long[Seconds], new long[Seconds]];

        private long[][]? _ok;
        private long[][]? _failed;
    }
}

/// <summary>How the load's searches travel.</summary>
internal enum SearchApi
{
    /// <summary>One Search call each.</summary>
    Unary,

    /// <summary>A SearchStream per client, one search in flight.</summary>
    Stream,
}
