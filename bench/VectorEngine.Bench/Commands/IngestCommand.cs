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
        var command = new Command("ingest", "Time durable batched upserts of random vectors with small payloads") { count, dim, batch, workDir };
        command.SetAction(parse => Run(parse.GetValue(count), parse.GetValue(dim), parse.GetValue(batch), parse.GetValue(workDir)));
        return command;
    }

    private static int Run(int n, int dim, int batchSize, DirectoryInfo? workDir)
    {
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
            var clock = Stopwatch.StartNew();
            foreach (Point[] points in batches)
            {
                collection.Upsert(points);
            }

            double seconds = clock.Elapsed.TotalSeconds;
            AnsiConsole.MarkupLineInterpolated(
                $"Upserted {n:N0} x {dim}-d points in batches of {batchSize:N0} (fsync per batch): [bold]{seconds:F3} s[/] ({n / seconds:N0} points/s); count = {collection.Count():N0}");
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
