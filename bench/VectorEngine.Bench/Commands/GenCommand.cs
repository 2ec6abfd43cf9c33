using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using VectorEngine.Bench.Synthetic;

namespace VectorEngine.Bench.Commands;

/// <summary>
/// <c>bench gen</c>: a deterministic synthetic dataset (clustered, gaussian or text-like), queries from the same
/// distribution and exact ground truth, in the TEXMEX layout <c>bench ann</c> and <c>bench plan</c> read.
/// </summary>
internal static class GenCommand
{
    public static Command Create()
    {
        var kind = KindOption(SyntheticKind.Clustered);
        var n = new Option<long>("--n") { Description = "Base rows", DefaultValueFactory = _ => 100_000 };
        var dim = new Option<int>("--dim") { Description = "Dimension", DefaultValueFactory = _ => 128 };
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed makes the same data", DefaultValueFactory = _ => 1 };
        var queries = new Option<int>("--queries") { Description = "Queries", DefaultValueFactory = _ => 1_000 };
        var k = new Option<int>("--k") { Description = "Ground-truth neighbours per query", DefaultValueFactory = _ => 100 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write (created)", Required = true };
        var noBase = new Option<bool>("--no-base") { Description = "Write queries and ground truth only (the base is regenerated from the seed by whoever needs it: bench tiers)" };
        var shape = new Option<long?>("--shape-n") { Description = "Write the first --n rows of the set this many rows make (its distribution: the cluster count grows with the rows), with ground truth over those --n: the calibration sizes of a larger set" };
        var command = new Command("gen", "Write a deterministic synthetic dataset with exact ground truth") { kind, n, dim, seed, queries, k, output, noBase, shape };
        command.SetAction(parse =>
        {
            var data = new SyntheticData(parse.GetValue(kind), parse.GetValue(n), parse.GetValue(dim), parse.GetValue(seed), parse.GetValue(shape));
            Write(data, parse.GetValue(output)!.FullName, parse.GetValue(queries), parse.GetValue(k), !parse.GetValue(noBase));
            return 0;
        });
        return command;
    }

    /// <summary>--kind: clustered, gaussian or text-like (any case; "TextLike" too).</summary>
    public static Option<SyntheticKind> KindOption(SyntheticKind fallback) => new("--kind")
    {
        Description = "clustered, gaussian or text-like",
        DefaultValueFactory = _ => fallback,
        CustomParser = result => result.Tokens.Single().Value.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant() switch
        {
            "clustered" => SyntheticKind.Clustered,
            "gaussian" => SyntheticKind.Gaussian,
            "textlike" => SyntheticKind.TextLike,
            string other => throw new VectorEngineArgumentException($"--kind must be clustered, gaussian or text-like; got '{other}'.", "kind"),
        },
    };

    /// <summary>Writes the dataset into <paramref name="folder"/>, dataset.json last (so a folder with one is complete).</summary>
    public static void Write(SyntheticData data, string folder, int queryCount, int k, bool writeBase)
    {
        if (queryCount < 1 || k < 1 || k > data.Count)
        {
            throw new VectorEngineArgumentException($"--queries must be positive and --k 1 to --n; got {queryCount} and {k}.", "k");
        }

        Directory.CreateDirectory(folder);
        var clock = Stopwatch.StartNew();
        int dim = data.Dimension;
        if (writeBase)
        {
            using var writer = new TexmexWriter(Path.Combine(folder, "base.fvecs"));
            float[] chunk = new float[8192 * dim];
            for (long start = 0; start < data.Count; start += 8192)
            {
                int rows = (int)Math.Min(8192, data.Count - start);
                FillBase(data, start, rows, chunk);
                for (int r = 0; r < rows; r++)
                {
                    writer.Write(chunk.AsSpan(r * dim, dim));
                }
            }

            AnsiConsole.MarkupLineInterpolated($"base.fvecs: {data.Count:N0} x {dim} in {clock.Elapsed.TotalSeconds:F1} s");
        }

        float[][] queries = new float[queryCount][];
        using (var writer = new TexmexWriter(Path.Combine(folder, "query.fvecs")))
        {
            for (int q = 0; q < queryCount; q++)
            {
                queries[q] = new float[dim];
                data.Query(q, queries[q]);
                writer.Write(queries[q]);
            }
        }

        var truthClock = Stopwatch.StartNew();
        long reported = 0;
        int[][] truth = ExactNeighbors.Compute(queries, data.Count, (start, rows, buffer) => FillBase(data, start, rows, buffer), data.Metric, k, done =>
        {
            if (done - reported >= 1_000_000 || done == data.Count)
            {
                reported = done;
                AnsiConsole.MarkupLineInterpolated($"  ground truth: {done:N0} / {data.Count:N0} rows ({truthClock.Elapsed.TotalSeconds:F0} s)");
            }
        });
        using (var writer = new TexmexWriter(Path.Combine(folder, "groundtruth.ivecs")))
        {
            foreach (int[] row in truth)
            {
                writer.Write(row);
            }
        }

        TexmexWriter.WriteManifest(folder, data, queryCount, k, writeBase);
        AnsiConsole.MarkupLineInterpolated($"Wrote {folder}: {data.Kind} {data.Count:N0} x {dim} ({data.MetricName}), {queryCount:N0} queries, exact top {k} in {truthClock.Elapsed.TotalSeconds:F1} s (all in {clock.Elapsed.TotalSeconds:F1} s)");
    }

    /// <summary>Generates base rows [start, start + rows) into <paramref name="buffer"/> on all cores.</summary>
    public static void FillBase(SyntheticData data, long start, int rows, float[] buffer)
    {
        int dim = data.Dimension;
        Parallel.For(0, rows, r => data.Base(start + r, buffer.AsSpan(r * dim, dim)));
    }
}
