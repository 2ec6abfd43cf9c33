using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using VectorEngine.Bench.Runs;

namespace VectorEngine.Bench.Planning;

/// <summary>
/// How much more search harder data needs, fitted on a table of datasets measured at one size: the ef that reaches a
/// recall target, and the vectors a search scores at one ef, each as a power of the data's 90th-percentile local
/// intrinsic dimensionality (<see cref="DataHardness.LidP90"/>). A calibration measured on one dataset is moved to
/// another by the ratio of their LID p90 raised to the fitted exponent.
/// </summary>
/// <remarks>
/// On the project's nine development sets at 10,000 points (three real, six generated; bench/hardness-table.sh), the
/// LID p90 explained ef at recall 0.95 best of the measures <see cref="DataHardness"/> takes: moving one set's ef to
/// another by it missed by a median 9% (the target set left out of the fit), against 58% with no move; the mean LID and
/// the relative contrast, fitted the same way, missed by about 50% and 30%, and a second measure beside the p90 made
/// the left-out error worse. The hard tail decides it: jobs-minilm and SIFT have about the same mean LID (20.1 and
/// 18.1) and needed ef 38 and 19; their p90 are 47.7 and 27.4.
/// </remarks>
internal sealed record HardnessLaw
{
    /// <summary>The recall targets the table reads ef at.</summary>
    public static readonly double[] Targets = [0.9, 0.95, 0.98, 0.99];

    /// <summary>Fewest datasets an exponent is fitted on.</summary>
    public const int MinimumDatasets = 3;

    /// <summary>The measured table.</summary>
    [JsonPropertyName("rows")]
    public required IReadOnlyList<HardnessRow> Rows { get; init; }

    /// <summary>Exponent of LID p90 in the ef that reaches each target, by target.</summary>
    [JsonPropertyName("knob_exponents")]
    public required IReadOnlyList<HardnessExponent> KnobExponents { get; init; }

    /// <summary>Exponent of LID p90 in the vectors scored at each ef, by ef.</summary>
    [JsonPropertyName("visit_exponents")]
    public required IReadOnlyList<HardnessExponent> VisitExponents { get; init; }

    /// <summary>Fits the exponents on <paramref name="rows"/>.</summary>
    /// <exception cref="VectorEngineArgumentException">Fewer than <see cref="MinimumDatasets"/> rows, or no target or ef that enough of them measured.</exception>
    public static HardnessLaw Fit(IReadOnlyList<HardnessRow> rows)
    {
        if (rows.Count < MinimumDatasets)
        {
            throw new VectorEngineArgumentException($"A hardness law needs {MinimumDatasets} or more datasets; got {rows.Count}.", "reports");
        }

        HardnessExponent[] knobs = [.. Targets
            .Select(t => Exponent(t, rows.Where(r => r.EfAt.ContainsKey(Key(t))).Select(r => (r.Hardness.LidP90, r.EfAt[Key(t)])).ToArray()))
            .OfType<HardnessExponent>()];
        int[] efs = [.. rows.SelectMany(r => r.VisitsAt.Keys).Distinct().Select(k => int.Parse(k, CultureInfo.InvariantCulture)).Order()];
        HardnessExponent[] visits = [.. efs
            .Select(ef => Exponent(ef, rows.Where(r => r.VisitsAt.ContainsKey(Key(ef))).Select(r => (r.Hardness.LidP90, r.VisitsAt[Key(ef)])).ToArray()))
            .OfType<HardnessExponent>()];
        if (knobs.Length == 0 || visits.Length == 0)
        {
            throw new VectorEngineArgumentException(
                $"No recall target ({string.Join(", ", Targets)}) or ef was crossed by {MinimumDatasets} or more of the {rows.Count} datasets' sweeps: sweep ef wider (bench ann --sweep ef=10,...,384).", "reports");
        }

        return new HardnessLaw { Rows = rows, KnobExponents = knobs, VisitExponents = visits };
    }

    /// <summary>What ef at <paramref name="target"/> is multiplied by, moving from data as hard as <paramref name="from"/> to <paramref name="to"/>.</summary>
    public double KnobFactor(double target, DataHardness from, DataHardness to) =>
        Math.Exp(Interpolate(KnobExponents, TargetScale(target), TargetScale) * Math.Log(to.LidP90 / from.LidP90));

    /// <summary>What the vectors scored at <paramref name="ef"/> are multiplied by, from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public double VisitFactor(double ef, DataHardness from, DataHardness to) =>
        Math.Exp(Interpolate(VisitExponents, Math.Log(ef), Math.Log) * Math.Log(to.LidP90 / from.LidP90));

    /// <summary>The 90th percentile of the transfer errors of the exponent that applies at <paramref name="target"/> (the nearest measured).</summary>
    public double KnobTransferError(double target) => Nearest(KnobExponents, TargetScale(target), TargetScale).TransferP90;

    /// <summary>The same for the visits at <paramref name="ef"/>.</summary>
    public double VisitTransferError(double ef) => Nearest(VisitExponents, Math.Log(ef), Math.Log).TransferP90;

    /// <summary>The LID p90 range the table spans: a move to data outside it is an extrapolation of the law.</summary>
    public (double Low, double High) LidP90Range => (Rows.Min(r => r.Hardness.LidP90), Rows.Max(r => r.Hardness.LidP90));

    /// <summary>The table's row for <paramref name="dataset"/>, if it measured one (a calibration report without its own hardness takes it from there).</summary>
    public HardnessRow? RowFor(string dataset) => Rows.FirstOrDefault(r => string.Equals(r.Dataset, dataset, StringComparison.Ordinal));

    /// <summary>Reads a law written by <c>bench hardness --out</c>.</summary>
    /// <exception cref="VectorEngineArgumentException">The file is missing, unreadable or not a hardness law (parameter "hardness-law").</exception>
    public static HardnessLaw Load(string path)
    {
        try
        {
            HardnessLaw? law = JsonSerializer.Deserialize<HardnessLaw>(File.ReadAllText(path));
            return law is { Rows.Count: > 0, KnobExponents.Count: > 0, VisitExponents.Count: > 0 }
                ? law
                : throw new VectorEngineArgumentException($"--hardness-law: {path} is not a hardness law (bench hardness --out).", "hardness-law");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new VectorEngineArgumentException($"--hardness-law: {e.Message}", "hardness-law");
        }
    }

    /// <summary>Writes the law as indented JSON.</summary>
    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true }));

    /// <summary>The key a target or an ef is stored under.</summary>
    public static string Key(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>ln(1 / miss rate): exponents are interpolated along it, where 0.95, 0.98 and 0.99 lie about evenly.</summary>
    private static double TargetScale(double target) => -Math.Log(1 - Math.Min(target, 0.9999));

    /// <summary>
    /// The slope of ln y on ln LID p90, with its transfer errors: each dataset left out of the fit in turn and its y
    /// predicted from every other dataset's y by the slope fitted on the rest.
    /// </summary>
    private static HardnessExponent? Exponent(double at, (double LidP90, double Y)[] points)
    {
        if (points.Length < MinimumDatasets || points.Select(p => p.LidP90).Distinct().Count() < 2)
        {
            return null;
        }

        double[] x = [.. points.Select(p => Math.Log(p.LidP90))];
        double[] y = [.. points.Select(p => Math.Log(p.Y))];
        var shifted = new List<double>();
        var unshifted = new List<double>();
        for (int left = 0; left < points.Length; left++)
        {
            int[] rest = [.. Enumerable.Range(0, points.Length).Where(i => i != left)];
            if (rest.Select(i => x[i]).Distinct().Count() < 2)
            {
                continue;
            }

            double slope = MathNet.Numerics.Fit.Line([.. rest.Select(i => x[i])], [.. rest.Select(i => y[i])]).B;
            foreach (int from in rest)
            {
                shifted.Add(Math.Abs(Math.Exp(y[from] + (slope * (x[left] - x[from])) - y[left]) - 1));
                unshifted.Add(Math.Abs(Math.Exp(y[from] - y[left]) - 1));
            }
        }

        return new HardnessExponent(at, MathNet.Numerics.Fit.Line(x, y).B, points.Length,
            Percentile(shifted, 0.5), Percentile(shifted, 0.9), Percentile(unshifted, 0.5));
    }

    private static double Interpolate(IReadOnlyList<HardnessExponent> exponents, double position, Func<double, double> scale)
    {
        HardnessExponent[] sorted = [.. exponents.OrderBy(e => e.At)];
        if (sorted.Length == 1 || position <= scale(sorted[0].At))
        {
            return sorted[0].Exponent;
        }

        for (int i = 1; i < sorted.Length; i++)
        {
            double low = scale(sorted[i - 1].At), high = scale(sorted[i].At);
            if (position <= high)
            {
                return sorted[i - 1].Exponent + ((position - low) / (high - low) * (sorted[i].Exponent - sorted[i - 1].Exponent));
            }
        }

        return sorted[^1].Exponent;
    }

    private static HardnessExponent Nearest(IReadOnlyList<HardnessExponent> exponents, double position, Func<double, double> scale) =>
        exponents.MinBy(e => Math.Abs(scale(e.At) - position))!;

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        double[] sorted = [.. values.Order()];
        return sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(p * sorted.Length))];
    }
}

/// <summary>
/// One fitted exponent: where it applies (a recall target, or an ef), its value, the datasets it was fitted on, and
/// how well it moved one dataset's measurement to another's with that dataset left out of the fit.
/// </summary>
/// <param name="At">The recall target, or the ef.</param>
/// <param name="Exponent">The power of the LID p90 ratio.</param>
/// <param name="Datasets">Datasets fitted.</param>
/// <param name="TransferMedian">Median |moved / measured - 1| over the left-out transfers.</param>
/// <param name="TransferP90">Their 90th percentile.</param>
/// <param name="UnshiftedMedian">Median |other dataset's / measured - 1|: the error of assuming the data is as hard as the calibration's.</param>
internal sealed record HardnessExponent(
    [property: JsonPropertyName("at")] double At,
    [property: JsonPropertyName("exponent")] double Exponent,
    [property: JsonPropertyName("datasets")] int Datasets,
    [property: JsonPropertyName("transfer_median")] double TransferMedian,
    [property: JsonPropertyName("transfer_p90")] double TransferP90,
    [property: JsonPropertyName("unshifted_median")] double UnshiftedMedian);

/// <summary>One dataset in the hardness table: its hardness and what HNSW needed on it at one size.</summary>
internal sealed record HardnessRow
{
    /// <summary>The dataset's name.</summary>
    [JsonPropertyName("dataset")]
    public required string Dataset { get; init; }

    /// <summary>Its dimension.</summary>
    [JsonPropertyName("dimension")]
    public required int Dimension { get; init; }

    /// <summary>The index size measured.</summary>
    [JsonPropertyName("points")]
    public required int Points { get; init; }

    /// <summary>The index configuration measured.</summary>
    [JsonPropertyName("series")]
    public required string Series { get; init; }

    /// <summary>The base vectors' hardness.</summary>
    [JsonPropertyName("hardness")]
    public required DataHardness Hardness { get; init; }

    /// <summary>The ef at which the sweep crossed each target (keyed by <see cref="HardnessLaw.Key"/>), where it crossed between two settings.</summary>
    [JsonPropertyName("ef_at")]
    public required Dictionary<string, double> EfAt { get; init; }

    /// <summary>Vectors scored per query at each swept ef.</summary>
    [JsonPropertyName("visits_at")]
    public required Dictionary<string, double> VisitsAt { get; init; }

    /// <summary>
    /// The row of a <c>bench ann</c> report: its single-thread HNSW sweep at its largest size (one index configuration)
    /// and the hardness it measured.
    /// </summary>
    /// <exception cref="VectorEngineArgumentException">The report has no hardness, no counted single-thread HNSW sweep, or several configurations.</exception>
    public static HardnessRow Of(AnnReport report, string file)
    {
        if (report.Hardness is null)
        {
            throw new VectorEngineArgumentException($"{file}: the report measured no hardness (written by an older bench ann).", "reports");
        }

        AnnRun[] runs = [.. report.Runs.Where(r => r.Engine == "vectorengine" && r.Index == "hnsw" && r.Threads == 1 && r.Call == "single"
            && !r.BuildParams.ContainsKey("stage") && !r.BuildParams.ContainsKey("filter_selectivity") && r.SearchParams.ContainsKey("ef"))];
        if (runs.Length < 2 || runs.Any(r => r.DistancesPerQuery is not > 0))
        {
            throw new VectorEngineArgumentException($"{file}: needs a single-thread hnsw ef sweep that counted its scored vectors (bench ann --index hnsw --sweep ef=...).", "reports");
        }

        int points = runs.Max(r => r.Points ?? report.N);
        runs = [.. runs.Where(r => (r.Points ?? report.N) == points)];
        string[] series = [.. runs.Select(Calibration.SeriesOf).Distinct()];
        if (series.Length > 1)
        {
            throw new VectorEngineArgumentException($"{file}: holds {series.Length} hnsw configurations ({string.Join("; ", series)}); the table compares one per dataset.", "reports");
        }

        SweepPoint[] sweep = [.. runs.Select(r => new SweepPoint(Ef(r), r.RecallAtK, r.Qps))];
        var efAt = new Dictionary<string, double>();
        foreach (double target in HardnessLaw.Targets)
        {
            // Only a crossing between two settings says where the target lies; a sweep that starts above it only bounds it.
            if (sweep.Min(s => s.Recall) < target && HeldBackCheck.KnobAt(sweep, target) is { } ef)
            {
                efAt[HardnessLaw.Key(target)] = ef;
            }
        }

        return new HardnessRow
        {
            Dataset = report.Dataset,
            Dimension = report.Dim,
            Points = points,
            Series = series[0],
            Hardness = report.Hardness,
            EfAt = efAt,
            VisitsAt = runs.ToDictionary(r => HardnessLaw.Key(Ef(r)), r => r.DistancesPerQuery!.Value),
        };
    }

    private static int Ef(AnnRun run) => Convert.ToInt32(run.SearchParams["ef"].ToString(), CultureInfo.InvariantCulture);
}
