using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using VectorEngine.Bench.Datasets;
using VectorEngine.Bench.Load;
using VectorEngine.Bench.Planning;
using VectorEngine.Client;

namespace VectorEngine.Bench.Commands;

/// <summary><c>bench load</c>: QPS and latency percentiles of a running server under a closed-loop mix of calls.</summary>
internal static class LoadCommand
{
    public static Command Create()
    {
        var target = new Option<string>("--target") { Description = "Server address (host:port or http://host:port); several, comma-separated (cluster nodes), share the clients round-robin and are reported per node", DefaultValueFactory = _ => "127.0.0.1:6334" };
        var collection = new Option<string>("--collection") { Description = "Collection to load", Required = true };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients", DefaultValueFactory = _ => 8 };
        var searchApi = new Option<string>("--search-api") { Description = "How searches travel: 'unary' (a Search call each) or 'stream' (a SearchStream per client)", DefaultValueFactory = _ => "unary" };
        searchApi.AcceptOnlyFromAmong("unary", "stream");
        var connections = new Option<int?>("--connections") { Description = "HTTP/2 connections the clients share round-robin (default: one per client)" };
        var duration = new Option<double>("--duration") { Description = "Seconds of load", DefaultValueFactory = _ => 10 };
        var mix = new Option<string>("--mix") { Description = "Operation shares, e.g. search=0.9,upsert=0.1 (count: an exact count, next to no engine work)", DefaultValueFactory = _ => "search=1" };
        var dataset = new Option<DirectoryInfo?>("--dataset") { Description = "Dataset whose queries are searched (and, with --setup, whose base is loaded)" };
        var setup = new Option<bool>("--setup") { Description = "Create the collection from --dataset's base vectors (HNSW) and checkpoint it first" };
        var shards = new Option<int?>("--shards") { Description = "With --setup on a cluster: the collection's shard count (bench plan's recommendation); default one per node" };
        var replication = new Option<int?>("--replication") { Description = "With --setup on a cluster: copies per shard (replication_factor); default the server's (2 with two or more nodes)" };
        var k = new Option<int>("--k") { Description = "Neighbours per search", DefaultValueFactory = _ => 10 };
        var ef = new Option<int?>("--ef") { Description = "HNSW beam width per search (default: the index's)" };
        var queries = new Option<int?>("--queries") { Description = "Use only the first N dataset queries" };
        var apiKey = new Option<string?>("--api-key") { Description = "API key sent with every call" };
        var output = new Option<FileInfo?>("--out") { Description = "Write the JSON report here" };
        var plan = new Option<FileInfo?>("--plan") { Description = "A bench plan --apply file: its shards, replicas and ef unless given; after the closed loop, a run paced at its target load; its predictions beside both" };
        var command = new Command("load", "Closed-loop load on a running server: QPS and p50/p95/p99 latency per operation")
        {
            target, collection, clients, connections, searchApi, duration, mix, dataset, setup, shards, replication, k, ef, queries, apiKey, output, plan,
        };
        command.SetAction(parse =>
        {
            // Read first: a bad plan file is refused by name before anything is created or loaded.
            AppliedPlan? applied = parse.GetValue(plan) is { } file ? AppliedPlan.Read(file.FullName) : null;
            return Run(
                parse.GetValue(target)!, parse.GetValue(collection)!, parse.GetValue(clients), parse.GetValue(connections) ?? parse.GetValue(clients), parse.GetValue(searchApi) == "stream" ? SearchApi.Stream : SearchApi.Unary, parse.GetValue(duration), parse.GetValue(mix)!,
                parse.GetValue(dataset), parse.GetValue(setup), parse.GetValue(shards) ?? applied?.Shards, parse.GetValue(replication) ?? applied?.Replicas, parse.GetValue(k),
                parse.GetValue(ef) ?? (applied is { Knob: "ef" } ? applied.KnobValue : null), parse.GetValue(queries), parse.GetValue(apiKey), parse.GetValue(output),
                applied is null ? null : (applied, parse.GetValue(plan)!.FullName)).GetAwaiter().GetResult();
        });
        return command;
    }

    private static async Task<int> Run(string target, string collection, int clients, int connections, SearchApi searchApi, double duration, string mixText, DirectoryInfo? datasetDir,
        bool setup, int? shards, int? replication, int k, int? ef, int? maxQueries, string? apiKey, FileInfo? output, (AppliedPlan Plan, string Path)? plan)
    {
        if (clients < 1 || connections < 1 || duration <= 0 || (setup && datasetDir is null))
        {
            throw new ArgumentException("--clients >= 1, --connections >= 1, --duration > 0, and --setup needs --dataset.");
        }

        Dictionary<string, double> mix = ParseMix(mixText);
        var runner = new LoadRunner(target, collection, apiKey, searchApi);
        Dataset? data = datasetDir is null ? null : Dataset.Load(datasetDir.FullName, maxQueries);
        if (setup)
        {
            double seconds = await runner.SetupAsync(data!, 16, 200, null, shards, replication);
            AnsiConsole.MarkupLineInterpolated($"setup: {data!.Base.Length} points upserted and checkpointed in {seconds:F1} s");
        }

        using var client = new VectorEngineClient(runner.Address, apiKey);
        CollectionInfo info = await client.GetCollection(collection).GetInfoAsync();
        float[][] searchVectors = data?.Queries ?? Enumerable.Range(0, 1_000)
            .Select(i => { var r = new Random(i); return Enumerable.Range(0, info.Dimension).Select(_ => (float)r.NextDouble()).ToArray(); }).ToArray();
        var parameters = new SearchParams { Ef = ef };
        // Ground truth holds for a collection loaded from this dataset (ids are row numbers): set up here, or as many points.
        bool fromDataset = data is not null && (setup || info.PointCount == data.Base.Length);
        double? recall = fromDataset ? Math.Round(await runner.RecallAsync(data!, k, parameters), 5) : null;

        LoadReport report = await runner.RunAsync(clients, connections, TimeSpan.FromSeconds(duration), mix, searchVectors, k, parameters, info.Dimension);
        report.RecallAtK = recall;
        var table = new Table().AddColumns("op", "calls", "errors", "QPS", "p50 µs", "p95 µs", "p99 µs");
        foreach (LoadOp op in report.Ops)
        {
            table.AddRow(op.Op, op.Count.ToString(CultureInfo.InvariantCulture), op.Errors.ToString(CultureInfo.InvariantCulture),
                op.Qps.ToString("N1", CultureInfo.InvariantCulture), op.P50Us.ToString("N0", CultureInfo.InvariantCulture),
                op.P95Us.ToString("N0", CultureInfo.InvariantCulture), op.P99Us.ToString("N0", CultureInfo.InvariantCulture));
        }

        AnsiConsole.MarkupLineInterpolated($"{clients} clients on {connections} connection(s), {report.DurationSeconds:F1} s, total {report.TotalQps:N1} calls/s{(recall is null ? "" : $", recall@{k} {recall:F4}")}");
        AnsiConsole.Write(table);
        if (report.Targets.Count > 1)
        {
            var perNode = new Table().AddColumns("target", "calls", "errors", "QPS", "p50 µs", "p99 µs");
            foreach (LoadOp node in report.Targets)
            {
                perNode.AddRow(node.Op, node.Count.ToString(CultureInfo.InvariantCulture), node.Errors.ToString(CultureInfo.InvariantCulture),
                    node.Qps.ToString("N1", CultureInfo.InvariantCulture), node.P50Us.ToString("N0", CultureInfo.InvariantCulture), node.P99Us.ToString("N0", CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(perNode);
        }

        if (plan is { } applied)
        {
            // The closed loop above found the saturation; now the plan's own load, paced, for its p95.
            LoadReport atTarget = await runner.RunAsync(clients, connections, TimeSpan.FromSeconds(duration), mix, searchVectors, k, parameters, info.Dimension, applied.Plan.TargetQps);
            LoadOp search = atTarget.Ops.FirstOrDefault(o => o.Op == "search") ?? atTarget.Ops[0];
            report.PlanCheck = new PlanCheck
            {
                PlanFile = applied.Path,
                Layout = $"{applied.Plan.Nodes} node(s), {applied.Plan.Shards} shard(s) x {applied.Plan.Replicas}, {applied.Plan.Index}, {applied.Plan.Knob}={applied.Plan.KnobValue}",
                PredictedSaturationQps = Math.Round(applied.Plan.SaturationQps, 1),
                MeasuredSaturationQps = report.TotalQps,
                TargetQps = applied.Plan.TargetQps,
                MeasuredQpsAtTarget = atTarget.TotalQps,
                PredictedP95Ms = Math.Round(applied.Plan.P95Ms, 3),
                MeasuredP95MsAtTarget = Math.Round(search.P95Us / 1000, 3),
                PredictedRecall = applied.Plan.Recall,
                MeasuredRecall = recall,
                TimeFactor = applied.Plan.TimeFactor,
                AtTarget = atTarget,
            };
            PlanCheck check = report.PlanCheck;
            var compare = new Table().AddColumns("plan check", "predicted (90%)", "measured", "error");
            compare.AddRow("QPS, every core busy", Inv($"{check.PredictedSaturationQps:N0} ({check.PredictedSaturationQps / check.TimeFactor:N0}-{check.PredictedSaturationQps * check.TimeFactor:N0})"),
                Inv($"{check.MeasuredSaturationQps:N0}"), Inv($"{check.SaturationQpsError:+0.0%;-0.0%}"));
            compare.AddRow(Inv($"p95 ms at {check.TargetQps:N0} QPS"), Inv($"{check.PredictedP95Ms:F2}"), Inv($"{check.MeasuredP95MsAtTarget:F2} (at {check.MeasuredQpsAtTarget:N0} QPS)"), Inv($"{check.P95Error:+0.0%;-0.0%}"));
            compare.AddRow($"recall@{k}", Inv($"{check.PredictedRecall:F3}"), check.MeasuredRecall is { } measured ? Inv($"{measured:F3}") : "-",
                check.MeasuredRecall is { } m ? Inv($"{(check.PredictedRecall / m) - 1:+0.0%;-0.0%}") : "-");
            AnsiConsole.MarkupLineInterpolated($"[bold]{check.Layout}[/] ({applied.Path})");
            AnsiConsole.Write(compare);
        }

        if (output is not null)
        {
            await File.WriteAllTextAsync(output.FullName, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        }

        return 0;
    }

    private static string Inv(FormattableString text) => FormattableString.Invariant(text);

    private static Dictionary<string, double> ParseMix(string text)
    {
        var mix = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] pair = part.Split('=', 2);
            if (pair.Length != 2 || pair[0] is not ("search" or "upsert" or "count")
                || !double.TryParse(pair[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double share) || share < 0)
            {
                throw new ArgumentException($"--mix takes search=SHARE,upsert=SHARE,count=SHARE; got '{text}'.");
            }

            mix[pair[0]] = share;
        }

        return mix.Values.Sum() > 0 ? mix : throw new ArgumentException("--mix needs a positive share.");
    }
}
