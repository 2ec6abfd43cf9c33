using System.CommandLine;
using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using Spectre.Console;
using VectorEngine.FaultInjection;

namespace VectorEngine.Bench.Commands;

/// <summary>
/// <c>bench faults</c>: the default suite's fault-injection property for longer. Random scenarios (writes, seals,
/// merges, snapshots, restarts) each meet one fault (power loss, failed fsync, EIO or ENOSPC write, failed rename) at
/// a random file-system call, and end with a power loss; every broken promise is printed with the scenario that
/// broke it. Bounded by count and by time.
/// </summary>
internal static class FaultsCommand
{
    public static Command Create()
    {
        var runs = new Option<int>("--runs") { Description = "Most scenarios to run", DefaultValueFactory = _ => 10_000 };
        var seconds = new Option<int>("--seconds") { Description = "Stop starting scenarios after this long", DefaultValueFactory = _ => 600 };
        var maxSteps = new Option<int>("--max-steps") { Description = "Most steps per scenario", DefaultValueFactory = _ => 40 };
        var seed = new Option<int>("--seed") { Description = "Seeds the scenario generator (a failure prints its own seed to replay)", DefaultValueFactory = _ => 1 };
        var workDir = new Option<DirectoryInfo?>("--work-dir") { Description = "Where the scenarios' databases go" };
        var command = new Command("faults", "Run the engine under injected storage faults and check no acknowledged write is lost") { runs, seconds, maxSteps, seed, workDir };
        command.SetAction(parse => Run(parse.GetValue(runs), parse.GetValue(seconds), parse.GetValue(maxSteps), parse.GetValue(seed), parse.GetValue(workDir)));
        return command;
    }

    private static int Run(int runs, int seconds, int maxSteps, int seed, DirectoryInfo? workDir)
    {
        if (runs < 1 || seconds < 1 || maxSteps < 1)
        {
            Console.Error.WriteLine("--runs, --seconds and --max-steps must be positive.");
            return 1;
        }

        // Faults land anywhere in a scenario: up to about 20 calls per step, plus the creation's.
        Gen<Scenario> generator = ScenarioGenerators.Scenario(maxSteps, maxCall: 40 + (20 * maxSteps));
        var random = new Random(seed);
        var struck = new Dictionary<FaultKind, (int Runs, int Struck)>();
        int failures = 0, done = 0, acknowledged = 0, powerLosses = 0;
        var clock = Stopwatch.StartNew();
        string root = Path.Combine(workDir?.FullName ?? Path.GetTempPath(), "vectorengine-faults-" + Guid.NewGuid().ToString("N"));
        try
        {
            for (; done < runs && clock.Elapsed.TotalSeconds < seconds; done++)
            {
                Scenario scenario = generator.Sample(50, new Rnd((ulong)random.NextInt64()), 1)[0] with { Seed = random.Next() };
                string dir = Path.Combine(root, done.ToString(System.Globalization.CultureInfo.InvariantCulture));
                ScenarioResult result = DurabilityScenario.Run(dir, scenario);
                Directory.Delete(dir, recursive: true);
                (int r, int s) = struck.GetValueOrDefault(scenario.Fault.Kind);
                struck[scenario.Fault.Kind] = (r + 1, s + (result.Fired is null ? 0 : 1));
                acknowledged += result.AcknowledgedWrites;
                powerLosses += result.PowerLosses;
                if (result.Violations.Count > 0)
                {
                    failures++;
                    Console.WriteLine($"FAILED: {scenario}\n  fault: {result.Fired}\n  {string.Join("\n  ", result.Violations)}");
                }
            }
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }

        var table = new Table().AddColumns("fault", "scenarios", "fault struck", "violations");
        foreach ((FaultKind kind, (int r, int s)) in struck.OrderBy(p => p.Key))
        {
            table.AddRow(kind.ToString(), $"{r:N0}", $"{s:N0}", failures == 0 ? "0" : "see above");
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated(
            $"{done:N0} scenarios in {clock.Elapsed.TotalSeconds:F0} s: {acknowledged:N0} acknowledged writes, {powerLosses:N0} power losses recovered, [bold]{failures} with violations[/]");
        return failures == 0 ? 0 : 2;
    }
}
