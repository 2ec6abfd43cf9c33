using System.Text.Json;
using VectorEngine.Bench.Machine;
using VectorEngine.Bench.Runs;

namespace VectorEngine.Bench.Planning;

/// <summary>
/// The measured runs a plan rests on: <c>bench ann</c> JSON files (one with <c>--points</c> at several sizes, or one
/// file per size), read into one <see cref="CostModel"/> per index configuration. Peers' rows, filtered runs and runs
/// after churn are left out: the planner sizes this engine's unfiltered search on freshly built segments.
/// </summary>
internal static class Calibration
{
    /// <summary>Reads the files and fits a model per index configuration that has enough runs.</summary>
    /// <param name="files">bench ann JSON files.</param>
    /// <param name="skipped">Configurations that could not be fitted, with the reason.</param>
    /// <param name="machine">This machine's memory profile (see <see cref="CostModel.Fit"/>), or null for power laws only.</param>
    public static IReadOnlyList<CostModel> Load(IEnumerable<string> files, out IReadOnlyList<string> skipped, MachineProfile? machine = null)
    {
        var points = new List<(string Series, CalibrationPoint Point)>();
        foreach (string file in files)
        {
            AnnReport report = JsonSerializer.Deserialize<AnnReport>(File.ReadAllText(file))
                ?? throw new InvalidDataException($"{file}: not a bench ann report.");
            points.AddRange(report.Runs
                .Where(r => r.Engine == "vectorengine" && !r.BuildParams.ContainsKey("stage") && !r.BuildParams.ContainsKey("filter_selectivity"))
                .Select(r => (SeriesOf(r), new CalibrationPoint(r, r.Points ?? report.N, report.Dim))));
        }

        return FitAll(points, out skipped, machine);
    }

    /// <summary>Whether any of the files' runs counted the vectors their searches scored (HNSW runs of this version on).</summary>
    public static bool CountsScoredVectors(IEnumerable<string> files) =>
        files.Any(file => JsonSerializer.Deserialize<AnnReport>(File.ReadAllText(file))?.Runs.Any(r => r.DistancesPerQuery is > 0) == true);

    /// <summary>The hardness of each calibration file's dataset, where its report measured one.</summary>
    public static IReadOnlyList<(string Dataset, DataHardness Hardness)> HardnessOf(IEnumerable<string> files) =>
        [.. HardnessOf(files, law: null).Select(c => (c.Dataset, c.Hardness))];

    /// <summary>
    /// The hardness of each calibration file's dataset: measured with the report, or else its dataset's row of
    /// <paramref name="law"/>'s table (the shipped calibration was written before reports measured hardness).
    /// </summary>
    public static IReadOnlyList<(string Dataset, DataHardness Hardness, string Source)> HardnessOf(IEnumerable<string> files, HardnessLaw? law)
    {
        var found = new List<(string, DataHardness, string)>();
        foreach (AnnReport report in files.Select(f => JsonSerializer.Deserialize<AnnReport>(File.ReadAllText(f))).OfType<AnnReport>().DistinctBy(r => r.Dataset))
        {
            if (report.Hardness is { } measured)
            {
                found.Add((report.Dataset, measured, "measured with the calibration"));
            }
            else if (law?.RowFor(report.Dataset) is { } row)
            {
                found.Add((report.Dataset, row.Hardness, "from the hardness table"));
            }
        }

        return found;
    }

    /// <summary>Fits a model per series from runs already in memory.</summary>
    public static IReadOnlyList<CostModel> FitAll(IEnumerable<(string Series, CalibrationPoint Point)> points, out IReadOnlyList<string> skipped, MachineProfile? machine = null)
    {
        var models = new List<CostModel>();
        var reasons = new List<string>();
        foreach (IGrouping<string, (string Series, CalibrationPoint Point)> series in points.GroupBy(p => p.Series))
        {
            try
            {
                List<CalibrationPoint> runs = [.. series.Select(p => p.Point)];
                CostModel model = CostModel.Fit(series.Key, runs, machine);
                model.Error = ModelError.LeaveSizesOut(series.Key, runs, machine);
                models.Add(model);
            }
            catch (ArgumentException e)
            {
                reasons.Add(e.Message);
            }
        }

        skipped = reasons;
        return models;
    }

    /// <summary>Build parameters that do not tell configurations apart for a reader: seeds, training effort, the default search knob.</summary>
    private static readonly HashSet<string> UnlabelledParameters =
        ["seed", "pq.seed", "iterations", "pq.iterations", "pq.sample_size", "ef", "nprobe", "max_points_per_centroid"];

    /// <summary>A series key without the parameters in <see cref="UnlabelledParameters"/>.</summary>
    public static string LabelOf(string series) =>
        string.Join(" ", series.Split(' ').Where(part => !UnlabelledParameters.Contains(part.Split('=')[0])));

    /// <summary>An index configuration: the index and the build parameters that shape it (not the build's thread count).</summary>
    public static string SeriesOf(AnnRun run)
    {
        string[] parameters = run.BuildParams.Where(p => p.Key != "build_threads").OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}").ToArray();
        return run.Index + (parameters.Length == 0 ? string.Empty : " " + string.Join(" ", parameters));
    }
}
