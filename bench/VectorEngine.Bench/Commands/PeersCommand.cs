using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;
using VectorEngine.Bench.Runs;

namespace VectorEngine.Bench.Commands;

/// <summary>
/// <c>bench peers</c>: hnswlib (native and Python), FAISS and USearch (f32, i8) on the same dataset with the same
/// parameters, through bench/peers/ann_peer.py (Debian's python3-hnswlib and python3-faiss; the native hnswlib driver and
/// USearch under node that bench/peers/install.sh builds), their rows added to a <c>bench ann</c> JSON so a report is
/// side by side.
/// </summary>
internal static class PeersCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "Dataset, as for bench ann (.hdf5 needs python3-h5py)", Required = true };
        var engines = new Option<string>("--engines")
        {
            Description = "Peers to run: hnswlib-native, hnswlib (Python), faiss, usearch-f32, usearch-i8",
            DefaultValueFactory = _ => "hnswlib-native,hnswlib,faiss,usearch-f32,usearch-i8",
        };
        var indexes = new Option<string>("--indexes") { Description = "Index types: hnsw, ivf-flat, ivf-pq (IVF: FAISS only)", DefaultValueFactory = _ => "hnsw" };
        var m = new Option<int>("--m") { Description = "HNSW links per node", DefaultValueFactory = _ => 16 };
        var efConstruction = new Option<int>("--ef-construction") { Description = "HNSW build beam width", DefaultValueFactory = _ => 200 };
        var ef = new Option<string>("--ef") { Description = "HNSW ef sweep", DefaultValueFactory = _ => "10,16,24,32,48,64,96,128,256" };
        var nprobe = new Option<string>("--nprobe") { Description = "IVF nprobe sweep", DefaultValueFactory = _ => "1,2,4,8,16,32,64" };
        var nlist = new Option<int?>("--nlist") { Description = "IVF lists (default 4·sqrt(n), as bench ann)" };
        var pqM = new Option<int?>("--pq-m") { Description = "PQ sub-quantizers (default dim/8 or the nearest divisor, as bench ann)" };
        var threads = new Option<string>("--threads") { Description = "Thread counts (1: one query per call; more: one batch call on N threads)", DefaultValueFactory = _ => "1,2" };
        var queries = new Option<int?>("--queries") { Description = "Use only the first N queries" };
        var repeat = new Option<int>("--repeat") { Description = "Time each setting N times, report the median", DefaultValueFactory = _ => 1 };
        var output = new Option<FileInfo>("--out") { Description = "JSON report to add the rows to (created if missing; its dataset must match)", Required = true };
        var python = new Option<string>("--python") { Description = "The Python with the Debian modules", DefaultValueFactory = _ => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3" };
        var quiet = new Option<bool>("--quiet") { Description = "No progress output" };
        var command = new Command("peers", "Run hnswlib, FAISS and USearch on a dataset and add their rows to a bench ann report")
        {
            dataset, engines, indexes, m, efConstruction, ef, nprobe, nlist, pqM, threads, queries, repeat, output, python, quiet,
        };
        command.SetAction(parse => Run(parse.GetValue(dataset)!, parse.GetValue(output)!, parse.GetValue(python)!, parse.GetValue(quiet),
        [
            "--engines", parse.GetValue(engines)!, "--indexes", parse.GetValue(indexes)!, "--m", $"{parse.GetValue(m)}",
            "--ef-construction", $"{parse.GetValue(efConstruction)}", "--ef", parse.GetValue(ef)!, "--nprobe", parse.GetValue(nprobe)!,
            "--nlist", $"{parse.GetValue(nlist) ?? 0}", "--pq-m", $"{parse.GetValue(pqM) ?? 0}", "--threads", parse.GetValue(threads)!,
            "--queries", $"{parse.GetValue(queries) ?? 0}", "--repeat", $"{parse.GetValue(repeat)}",
        ]));
        return command;
    }

    /// <summary>The repository's bench/peers folder (the compiled drivers live there), found above the build output.</summary>
    private static string? PeerSources()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "bench", "peers");
            if (File.Exists(Path.Combine(candidate, "install.sh")))
            {
                return candidate;
            }
        }

        return null;
    }

    private static int Run(string dataset, FileInfo output, string python, bool quiet, string[] driverArgs)
    {
        string driver = Path.Combine(AppContext.BaseDirectory, "peers", "ann_peer.py");
        string? sources = PeerSources();
        string rows = Path.Combine(Path.GetTempPath(), $"vectorengine-peers-{Guid.NewGuid():N}.json");
        var start = new ProcessStartInfo(python) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in (string[])[driver, "--dataset", Path.GetFullPath(dataset), .. driverArgs, "--out", rows,
                     .. sources is null ? Array.Empty<string>() : ["--peers-dir", sources]])
        {
            start.ArgumentList.Add(arg);
        }

        using (Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {python}."))
        {
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { } line && !quiet)
                {
                    AnsiConsole.WriteLine(line);
                }
            };
            var errors = new List<string>();
            process.ErrorDataReceived += (_, e) =>
            {
                // FAISS warns on every k-means of a small training set; keep the rest for the failure message.
                if (e.Data is { } line && !line.StartsWith("WARNING clustering", StringComparison.Ordinal))
                {
                    lock (errors)
                    {
                        errors.Add(line);
                    }
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                string tail = string.Join(Environment.NewLine, errors.TakeLast(20));
                AnsiConsole.MarkupLineInterpolated($"[red]the peer driver failed ({process.ExitCode})[/]; are the Debian modules installed (bash bench/peers/install.sh)?");
                Console.Error.WriteLine(tail);
                return 1;
            }
        }

        AnnReport peers = JsonSerializer.Deserialize<AnnReport>(File.ReadAllText(rows)) ?? throw new InvalidDataException("The peer driver wrote no report.");
        File.Delete(rows);
        AnnReport report = output.Exists ? JsonSerializer.Deserialize<AnnReport>(File.ReadAllText(output.FullName))! : peers;
        if (report != peers)
        {
            if (report.Dataset != peers.Dataset)
            {
                throw new InvalidOperationException($"{output.Name} is a report on {report.Dataset}, not {peers.Dataset}.");
            }

            report.Runs.AddRange(peers.Runs);
        }

        ParetoFrontier.Mark(report.Runs);
        File.WriteAllText(output.FullName, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        if (!quiet)
        {
            AnsiConsole.MarkupLineInterpolated($"{peers.Runs.Count} peer rows added to {output.FullName}");
        }

        return 0;
    }
}
