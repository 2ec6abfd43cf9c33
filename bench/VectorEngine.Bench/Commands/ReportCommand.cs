using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using VectorEngine.Bench.Reports;
using VectorEngine.Bench.Runs;

namespace VectorEngine.Bench.Commands;

/// <summary><c>bench report</c>: a markdown report with charts from <c>bench ann</c> and <c>bench peers</c> JSON files.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var files = new Argument<FileInfo[]>("files") { Description = "bench ann / bench peers JSON reports", Arity = ArgumentArity.OneOrMore };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for README.md and the PNG/SVG charts", Required = true };
        var command = new Command("report", "Render JSON reports as markdown with recall/QPS, memory and build-time charts") { files, output };
        command.SetAction(parse =>
        {
            List<AnnReport> reports = parse.GetValue(files)!
                .Select(f => JsonSerializer.Deserialize<AnnReport>(File.ReadAllText(f.FullName)) ?? throw new InvalidDataException($"{f.Name} holds no report."))
                .Where(r => r.Runs.Count > 0)
                .ToList();
            if (reports.Count == 0)
            {
                throw new InvalidDataException("The reports hold no runs.");
            }

            string path = MarkdownReport.Write(reports, parse.GetValue(output)!.FullName);
            AnsiConsole.MarkupLineInterpolated($"report: {path}");
            return 0;
        });
        return command;
    }
}
