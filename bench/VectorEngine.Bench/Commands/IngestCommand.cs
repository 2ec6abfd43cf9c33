using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;

namespace VectorEngine.Bench.Commands;

/// <summary><c>bench ingest</c>: durable upsert throughput with small payloads, fsync per batch (the default durability).</summary>
internal static class IngestCommand
{
    public static Command Create()
    {
        var count = new Option<int>("--n") { Description = "Points to upsert", DefaultValueFactory = _ => 100_000 };
        var dim = new Option<int>("--dim") { Description = "Dimension", DefaultValueFactory = _ => 384 };
        var batch = new Option<int>("--batch") { Description = "Points per upsert call", DefaultValueFactory = _ => 1_000 };
        var workDir = new Option<DirectoryInfo?>("--work-dir") { Description = "Where the temporary database goes" };
        var writers = new Option<int>("--writers") { Description = "Concurrent writers sharing the batches", DefaultValueFactory = _ => 1 };
        var useAsync = new Option<bool>("--async") { Description = "Writers await UpsertAsync (group commit, no thread held) instead of calling Upsert on threads of their own" };
        var command = new Command("ingest", "Time durable batched upserts of random vectors with small payloads") { count, dim, batch, workDir, writers, useAsync };
        command.SetAction(parse => Run(parse.GetValue(count), parse.GetValue(dim), parse.GetValue(batch), parse.GetValue(workDir), parse.GetValue(writers), parse.GetValue(useAsync)));
        return command;
    }

    private static int Run(int n, int dim, int batchSize, DirectoryInfo? workDir, int writers, bool useAsync)
    {
        if (writers < 1)
        {
            AnsiConsole.MarkupLine("[red]--writers must be at least 1[/]");
            return 1;
        }

        var random = new Random(42);
        string[] tenants = ["acme", "globex", "initech", "umbrella", "hooli"];
        var batches = new List<Point[]>();
        for (int start = 0; start < n; start += batchSize)
        {
            int size = Math.Min(batchSize, n - start);
            var points = new Point[size];
            for (int i = 0; i < size; i++)
            {
                float[] v = new float[dim];
                for (int d = 0; d < dim; d++)
                {
                    v[d] = (float)random.NextDouble();
                }

                points[i] = new Point((ulong)(start + i), v, new Payload
                {
                    ["tenant"] = tenants[random.Next(tenants.Length)],
                    ["year"] = 2000 + random.Next(25),
                    ["score"] = random.NextDouble(),
                });
            }

            batches.Add(points);
        }

        string directory = Path.Combine(workDir?.FullName ?? Path.GetTempPath(), "vectorengine-ingest-" + Guid.NewGuid().ToString("N"));
        try
        {
            using VectorDatabase db = VectorDatabase.Open(directory, new VectorDatabaseOptions { EnableBackgroundOptimizer = false });
            Collection collection = db.CreateCollection("ingest", new CollectionOptions(dim, DistanceMetric.Cosine)
            {
                PayloadIndexes = { ["tenant"] = PayloadIndexType.Keyword, ["year"] = PayloadIndexType.Integer },
            });
            int peakThreads = ThreadPool.ThreadCount;
            using var sampler = new Timer(_ => peakThreads = Math.Max(peakThreads, ThreadPool.ThreadCount), null, 0, 10);
            var clock = Stopwatch.StartNew();
            int next = -1;
            Task[] running = Enumerable.Range(0, writers).Select(_ => useAsync
                ? WriteAsync()
                : Task.Run(Write)).ToArray();
            Task.WaitAll(running);
            double seconds = clock.Elapsed.TotalSeconds;
            AnsiConsole.MarkupLineInterpolated(
                $"Upserted {n:N0} x {dim}-d points in batches of {batchSize:N0} by {writers} {(useAsync ? "async" : "thread")} writers (fsync per write, group commit): [bold]{seconds:F3} s[/] ({n / seconds:N0} points/s, {batches.Count / seconds:N0} writes/s); peak thread-pool threads {peakThreads}; count = {collection.Count():N0}");

            void Write()
            {
                while (Interlocked.Increment(ref next) is var i && i < batches.Count)
                {
                    collection.Upsert(batches[i]);
                }
            }

            async Task WriteAsync()
            {
                await Task.Yield();
                while (Interlocked.Increment(ref next) is var i && i < batches.Count)
                {
                    await collection.UpsertAsync(batches[i]).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        return 0;
    }
}
