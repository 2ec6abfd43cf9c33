using System.Text.Json;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.NoEmit;
using VectorEngine.Benchmarks.Distances;
using VectorEngine.Benchmarks.Hnsw;
using VectorEngine.Benchmarks.Quantization;
using VectorEngine.Benchmarks.Storage;

namespace VectorEngine.Benchmarks.Budget;

/// <summary>
/// <c>VectorEngine.Benchmarks budget [--check allocation-budget.json]</c>: the hot-path suites on a short in-process
/// job with the memory diagnoser, each benchmark's bytes per operation compared with the committed budget. It runs in
/// a process of its own (the test starts one) because the diagnoser counts every thread's allocations: inside a test
/// host, the runner's own threads added ~6 KB to each measured iteration.
/// </summary>
public static class AllocationBudget
{
    private const string JobId = "budget";

    /// <summary>
    /// The suites and the invocations per iteration. Even in its own process the in-process engine counts a few KB per
    /// measured iteration that no benchmark allocates (measured ~3-5 KB: 372 B/op on the scan at 8 invocations, 5 B/op
    /// on the WAL append at 1,024); enough invocations divide that below 1 B/op, the scan over 188 MB excepted.
    /// </summary>
    private static readonly (Type Suite, int Invocations)[] Suites =
    [
        (typeof(DistanceBenchmarks), 16_384), (typeof(ScanBenchmarks), 48), (typeof(HnswSearchBenchmarks), 8_192),
        (typeof(PqAdcBenchmarks), 8_192), (typeof(WalAppendBenchmarks), 16_384),
    ];

    /// <summary>Runs the suites; with <c>--check FILE</c>, returns 1 when a benchmark is over (or missing from) its budget.</summary>
    public static int Run(string[] args)
    {
        string? check = args.SkipWhile(a => a != "--check").Skip(1).FirstOrDefault();
        string artifacts = Path.Combine(Path.GetTempPath(), "ve-bdn-budget-" + Guid.NewGuid().ToString("N"));
        try
        {
            Dictionary<string, long> measured = Measure(artifacts, Suites);
            if (check is not null)
            {
                Remeasure(measured, Load(check), artifacts);
            }

            foreach ((string key, long bytes) in measured.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                Console.WriteLine($"{key}: {bytes} B/op");
            }

            if (check is null)
            {
                return 0;
            }

            List<string> failures = Compare(measured, Load(check));
            failures.ForEach(f => Console.WriteLine("OVER BUDGET " + f));
            Console.WriteLine(failures.Count == 0 ? "allocation budget: met" : $"allocation budget: {failures.Count} failure(s)");
            return failures.Count == 0 ? 0 : 1;
        }
        finally
        {
            if (Directory.Exists(artifacts))
            {
                Directory.Delete(artifacts, recursive: true);
            }
        }
    }

    /// <summary>
    /// Runs again, once, every suite with a benchmark over its budget, and keeps the lower figure of the two. A hot path
    /// that allocates does so on every run; the engine's stray bytes do not: a background tier-up or GC landing in one
    /// measured iteration of a slow benchmark once read 3 B/op on the scalar dot product (16,384 invocations).
    /// </summary>
    private static void Remeasure(Dictionary<string, long> measured, IReadOnlyDictionary<string, long> budget, string artifacts)
    {
        (Type Suite, int Invocations)[] over = Suites
            .Where(s => measured.Any(m => m.Key.StartsWith(s.Suite.Name + ".", StringComparison.Ordinal) && budget.TryGetValue(m.Key, out long allowed) && m.Value > allowed))
            .ToArray();
        foreach ((string key, long bytes) in Measure(artifacts, over))
        {
            if (bytes < measured[key])
            {
                Console.WriteLine($"{key}: {measured[key]} B/op at first, {bytes} B/op measured again");
                measured[key] = bytes;
            }
        }
    }

    /// <summary>Bytes per operation of every benchmark method of <paramref name="suites"/> (the largest over the parameter values run).</summary>
    public static Dictionary<string, long> Measure(string artifacts, IEnumerable<(Type Suite, int Invocations)> suites)
    {
        ArgumentNullException.ThrowIfNull(suites);
        var measured = new Dictionary<string, long>();
        foreach ((Type suite, int invocations) in suites)
        {
            Summary summary = BenchmarkRunner.Run(suite, ShortConfig(invocations, artifacts));
            if (summary.HasCriticalValidationErrors || summary.Reports.Length == 0 || summary.Reports.Any(r => !r.Success))
            {
                throw new InvalidOperationException($"{suite.Name} did not run: {string.Join("; ", summary.ValidationErrors.Select(e => e.Message))}");
            }

            foreach (BenchmarkReport report in summary.Reports)
            {
                string key = $"{suite.Name}.{report.BenchmarkCase.Descriptor.WorkloadMethod.Name}";
                long bytes = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? throw new InvalidOperationException($"{key}: no memory figures.");
                measured[key] = Math.Max(bytes, measured.GetValueOrDefault(key));
            }
        }

        return measured;
    }

    /// <summary>What is over budget, unbudgeted, or budgeted and no longer measured.</summary>
    public static List<string> Compare(IReadOnlyDictionary<string, long> measured, IReadOnlyDictionary<string, long> budget)
    {
        var failures = new List<string>();
        foreach ((string key, long bytes) in measured.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!budget.TryGetValue(key, out long allowed))
            {
                failures.Add($"{key}: {bytes} B/op and no budget (add it to allocation-budget.json)");
            }
            else if (bytes > allowed)
            {
                failures.Add($"{key}: {bytes} B/op, budget {allowed}");
            }
        }

        failures.AddRange(budget.Keys.Except(measured.Keys).Order(StringComparer.Ordinal).Select(k => $"{k}: budgeted but not measured (renamed or removed?)"));
        return failures;
    }

    /// <summary>Reads the budget file's <c>bytes_per_operation</c> object.</summary>
    public static Dictionary<string, long> Load(string path)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("bytes_per_operation").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
    }

    private static IConfig ShortConfig(int invocations, string artifacts) =>
        ManualConfig.CreateEmpty()
            .AddJob(Job.Default
                .WithToolchain(InProcessNoEmitToolchain.Instance)
                .WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(2)
                .WithInvocationCount(invocations).WithUnrollFactor(1)
                .WithId(JobId))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogger(NullLogger.Instance)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .WithArtifactsPath(artifacts)
            .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.DisableLogFile)

            // The suites' own [Config] adds the full-length default job: only the short one runs here, at one value of
            // each size parameter (allocation does not depend on it; the full suites sweep them).
            .AddFilter(new SimpleFilter(c => c.Job.Id == JobId && c.Parameters.Items.All(p => p.Value is not int v || p.Name switch
            {
                "Dim" => v is 384 or 784,
                "Ef" => v == 16,
                "M" => v == 16,
                _ => true,
            })));
}
