using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using VectorEngine.Bench.Planning;
using VectorEngine.Bench.Runs;

namespace VectorEngine.Bench.Commands;

/// <summary>
/// <c>bench hardness</c>: the hardness table of several datasets (one <c>bench ann</c> HNSW sweep each, at one size) and
/// the law <c>bench plan --data</c> moves a calibration to other data by. bench/hardness-table.sh measures the project's.
/// </summary>
internal static class HardnessCommand
{
    /// <summary>Where the project's law travels with the CLI (used by bench plan without --hardness-law).</summary>
    public static string DefaultLawPath => Path.Combine(AppContext.BaseDirectory, "hardness", "law.json");

    public static Command Create()
    {
        var reports = new Option<FileInfo[]>("--reports")
        {
            Description = "bench ann JSON reports, one dataset each: a single-thread hnsw ef sweep at one size, the same size and build parameters for all",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<FileInfo?>("--out") { Description = "Write the table and the fitted law here (bench plan --hardness-law reads it)" };
        var command = new Command("hardness", "Tabulate what makes datasets hard for HNSW and fit how ef and scored vectors grow with it") { reports, output };
        command.SetAction(parse =>
        {
            // Every report is read and checked before anything is printed or written.
            FileInfo[] files = parse.GetValue(reports) ?? [];
            HardnessRow[] rows = [.. files.Select(Read)];
            if (rows.Select(r => r.Dataset).Distinct().Count() != rows.Length)
            {
                throw new VectorEngineArgumentException($"--reports: a dataset appears twice ({string.Join(", ", rows.GroupBy(r => r.Dataset).Where(g => g.Count() > 1).Select(g => g.Key))}).", "reports");
            }

            // Datasets smaller than the table's size (SIFT-10k's 9,000 points) join it within 25%: ef grows by a few
            // percent per doubling of n, far less than it differs between datasets.
            if (rows.Select(r => r.Series).Distinct().Count() > 1 || rows.Max(r => r.Points) > 1.25 * rows.Min(r => r.Points))
            {
                throw new VectorEngineArgumentException(
                    $"--reports: the table compares datasets at one size (within 25%) and one configuration; got {string.Join("; ", rows.Select(r => $"{r.Dataset}: {r.Points:N0} points, {r.Series}"))}.", "reports");
            }

            HardnessLaw law = HardnessLaw.Fit(rows);
            Print(law);
            if (parse.GetValue(output) is { } file)
            {
                law.Save(file.FullName);
                AnsiConsole.MarkupLineInterpolated($"Wrote {file.FullName}.");
            }

            return 0;
        });
        return command;
    }

    private static HardnessRow Read(FileInfo file)
    {
        AnnReport? report;
        try
        {
            report = JsonSerializer.Deserialize<AnnReport>(File.ReadAllText(file.FullName));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new VectorEngineArgumentException($"--reports: {e.Message}", "reports");
        }

        return report is null
            ? throw new VectorEngineArgumentException($"--reports: {file.FullName} is not a bench ann report.", "reports")
            : HardnessRow.Of(report, file.FullName);
    }

    private static void Print(HardnessLaw law)
    {
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 220;
        }

        int[] efs = [.. law.VisitExponents.Select(e => (int)e.At)];
        var table = new Table().AddColumns("dataset", "dim", "LID mean", "LID p90", "rel. contrast", "near-dup", "norm spread");
        foreach (double target in HardnessLaw.Targets)
        {
            table.AddColumn($"ef @{target}");
        }

        table.AddColumn($"scored @ef={efs[efs.Length / 2]}");
        foreach (HardnessRow row in law.Rows.OrderBy(r => r.Hardness.LidP90))
        {
            DataHardness h = row.Hardness;
            var cells = new List<string>
            {
                row.Dataset, row.Dimension.ToString(CultureInfo.InvariantCulture), F(h.LidMean, 1), F(h.LidP90, 1), F(h.RelativeContrast, 2),
                h.NearDuplicateShare.ToString("P1", CultureInfo.InvariantCulture), F(h.NormSpread, 2),
            };
            cells.AddRange(HardnessLaw.Targets.Select(t => row.EfAt.TryGetValue(HardnessLaw.Key(t), out double ef) ? F(ef, 1) : "-"));
            cells.Add(row.VisitsAt.TryGetValue(HardnessLaw.Key(efs[efs.Length / 2]), out double visits) ? F(visits, 0) : "-");
            table.AddRow([.. cells]);
        }

        AnsiConsole.MarkupLineInterpolated($"[bold]Hardness table[/]: {law.Rows.Count} datasets at {law.Rows[0].Points:N0} points, {law.Rows[0].Series}");
        AnsiConsole.Write(table);
        var fits = new Table().AddColumns("law", "exponent of LID p90", "datasets", "moved: median error", "moved: p90 error", "not moved: median error");
        foreach (HardnessExponent e in law.KnobExponents)
        {
            fits.AddRow($"ef at recall {e.At}", F(e.Exponent, 2), e.Datasets.ToString(CultureInfo.InvariantCulture), P(e.TransferMedian), P(e.TransferP90), P(e.UnshiftedMedian));
        }

        foreach (HardnessExponent e in law.VisitExponents)
        {
            fits.AddRow($"scored vectors at ef={e.At}", F(e.Exponent, 2), e.Datasets.ToString(CultureInfo.InvariantCulture), P(e.TransferMedian), P(e.TransferP90), P(e.UnshiftedMedian));
        }

        AnsiConsole.Write(fits);
        AnsiConsole.MarkupLine("Errors move each dataset's measurement to every other dataset by an exponent fitted with that other dataset left out.");
    }

    private static string F(double value, int digits) => value.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string P(double value) => value.ToString("P0", CultureInfo.InvariantCulture);
}
