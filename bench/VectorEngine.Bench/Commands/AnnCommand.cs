using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using VectorEngine.Bench.Datasets;
using VectorEngine.Bench.Runs;
using VectorEngine.Indexing;

namespace VectorEngine.Bench.Commands;

/// <summary><c>bench ann</c>: recall and throughput of an index on a dataset, as a table and optionally JSON.</summary>
internal static class AnnCommand
{
    public static Command Create()
    {
        var dataset = new Option<DirectoryInfo>("--dataset") { Description = "Dataset folder (dataset.json, base/query .fvecs[.gz], groundtruth.ivecs)", Required = true };
        var index = new Option<string>("--index") { Description = "Index type", DefaultValueFactory = _ => "flat" };
        var threads = new Option<int[]>("--threads") { Description = "Search threads (repeat or comma-separate for several runs)", DefaultValueFactory = _ => [1], AllowMultipleArgumentsPerToken = true, CustomParser = ParseInts };
        var k = new Option<int>("--k") { Description = "Neighbours per query", DefaultValueFactory = _ => 10 };
        var queries = new Option<int?>("--queries") { Description = "Use only the first N queries" };
        var output = new Option<FileInfo?>("--out") { Description = "Write the JSON report here" };
        var workDir = new Option<DirectoryInfo?>("--work-dir") { Description = "Where the temporary database goes (default: the system temp folder)" };
        var quiet = new Option<bool>("--quiet") { Description = "No progress output" };
        var command = new Command("ann", "Build an index on a dataset and measure recall@k, QPS and latency")
        {
            dataset, index, threads, k, queries, output, workDir, quiet,
        };
        command.SetAction(parse => Run(
            parse.GetValue(dataset)!, parse.GetValue(index)!, parse.GetValue(threads)!, parse.GetValue(k),
            parse.GetValue(queries), parse.GetValue(output), parse.GetValue(workDir), parse.GetValue(quiet)));
        return command;
    }

    private static int[] ParseInts(System.CommandLine.Parsing.ArgumentResult result) =>
        result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse).ToArray();

    private static int Run(DirectoryInfo datasetDir, string indexName, int[] threadCounts, int k, int? maxQueries, FileInfo? output, DirectoryInfo? workDir, bool quiet)
    {
        Dataset data = Dataset.Load(datasetDir.FullName, maxQueries);
        if (!quiet)
        {
            AnsiConsole.MarkupLineInterpolated($"[bold]{data.Name}[/]: n={data.Base.Length}, dim={data.Dimension}, metric={data.Metric}, queries={data.Queries.Length}");
        }

        var spec = new IndexSpec(indexName, new Dictionary<string, string>());
        var runner = new AnnRunner(data, spec);
        string directory = Path.Combine(workDir?.FullName ?? Path.GetTempPath(), "vectorengine-bench-" + Guid.NewGuid().ToString("N"));
        var report = new AnnReport { Dataset = data.Name, Metric = data.Metric.ToString(), N = data.Base.Length, Dim = data.Dimension };
        try
        {
            (VectorDatabase db, Collection collection, double buildSeconds) = quiet
                ? runner.Build(directory)
                : AnsiConsole.Progress().Start(ctx =>
                {
                    ProgressTask task = ctx.AddTask("build", maxValue: data.Base.Length);
                    return runner.Build(directory, done => task.Value = done);
                });
            using (db)
            {
                foreach (int t in threadCounts)
                {
                    report.Runs.Add(runner.Search(collection, buildSeconds, k, t, SearchParams.Default, []));
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

        var table = new Table().AddColumns("index", "threads", "k", "recall@k", "QPS", "p50 µs", "p99 µs", "build s", "index MiB");
        foreach (AnnRun run in report.Runs)
        {
            table.AddRow(run.Index, run.Threads.ToString(), run.K.ToString(), run.RecallAtK.ToString("F4"), run.Qps.ToString("N1"),
                run.P50Us.ToString("N0"), run.P99Us.ToString("N0"), run.BuildSeconds.ToString("F2"), (run.IndexBytes / 1048576.0).ToString("F1"));
        }

        AnsiConsole.Write(table);
        if (output is not null)
        {
            File.WriteAllText(output.FullName, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        }

        return 0;
    }
}
