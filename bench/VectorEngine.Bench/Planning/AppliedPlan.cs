using System.Globalization;

namespace VectorEngine.Bench.Planning;

/// <summary>
/// The recommended plan as <c>bench plan --apply</c> writes it and the tools that act on it read it: the layout
/// (<c>scripts/cluster.sh up --plan</c> starts <see cref="Nodes"/> nodes; <c>bench load --setup --plan</c> creates the
/// collection with <see cref="Shards"/> and <see cref="Replicas"/> and searches at <see cref="KnobValue"/>) and the
/// predictions <c>bench load --plan</c> sets its measurements beside. One KEY=value per line, so a shell script can
/// read it with grep, and a person can read it at all.
/// </summary>
internal sealed record AppliedPlan
{
    /// <summary>Nodes to start.</summary>
    public required int Nodes { get; init; }

    /// <summary>Shards of the collection.</summary>
    public required int Shards { get; init; }

    /// <summary>Copies of every shard.</summary>
    public required int Replicas { get; init; }

    /// <summary>The index configuration's label.</summary>
    public required string Index { get; init; }

    /// <summary>The search knob ("ef", "nprobe"), or empty for an exact index.</summary>
    public required string Knob { get; init; }

    /// <summary>Its value.</summary>
    public required int KnobValue { get; init; }

    /// <summary>The load the plan was made for (queries per second).</summary>
    public required double TargetQps { get; init; }

    /// <summary>Predicted p95 at the target load (ms).</summary>
    public required double P95Ms { get; init; }

    /// <summary>Predicted queries per second with every core busy (the plan's capacity at its utilization limit, over that limit).</summary>
    public required double SaturationQps { get; init; }

    /// <summary>Predicted recall@k.</summary>
    public required double Recall { get; init; }

    /// <summary>The model's 90% multiplicative range of time (and so of QPS and the search part of p95).</summary>
    public required double TimeFactor { get; init; }

    /// <summary>The plan a request and its recommendation give.</summary>
    public static AppliedPlan Of(DeploymentPlan plan, PlanRequest request) => new()
    {
        Nodes = plan.Nodes,
        Shards = plan.Shards,
        Replicas = plan.Replicas,
        Index = plan.Model.Label,
        Knob = plan.Model.Knob,
        KnobValue = plan.KnobValue,
        TargetQps = request.Qps,
        P95Ms = plan.P95Ms,
        SaturationQps = plan.CapacityQps / request.CpuUtilization,
        Recall = plan.Recall,
        TimeFactor = PlanRange.Of(plan).TimeFactor,
    };

    /// <summary>Writes the plan to <paramref name="path"/>.</summary>
    public void Write(string path)
    {
        string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
        File.WriteAllLines(path,
        [
            $"# bench plan --apply, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC: scripts/cluster.sh up --plan and bench load --plan read this file",
            $"NODES={Nodes}",
            $"SHARDS={Shards}",
            $"REPLICAS={Replicas}",
            $"INDEX={Index.Replace('\n', ' ')}",
            $"KNOB={Knob}",
            $"KNOB_VALUE={KnobValue}",
            $"TARGET_QPS={Number(TargetQps)}",
            $"P95_MS={Number(P95Ms)}",
            $"SATURATION_QPS={Number(SaturationQps)}",
            $"RECALL={Number(Recall)}",
            $"TIME_FACTOR_90={Number(TimeFactor)}",
        ]);
    }

    /// <summary>Reads a plan <see cref="Write"/> wrote.</summary>
    /// <exception cref="VectorEngineArgumentException">The file is missing, unreadable, or lacks a key or a valid value (named).</exception>
    public static AppliedPlan Read(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VectorEngineArgumentException($"--plan: {e.Message}", "plan");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in lines.Where(l => l.Length > 0 && l[0] != '#'))
        {
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new VectorEngineArgumentException($"--plan: {path}: '{line}' is not KEY=value.", "plan");
            }

            values[line[..equals]] = line[(equals + 1)..];
        }

        string Text(string key) => values.TryGetValue(key, out string? value)
            ? value
            : throw new VectorEngineArgumentException($"--plan: {path} has no {key}.", "plan");
        int Count(string key) => int.TryParse(Text(key), NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= 1
            ? value
            : throw new VectorEngineArgumentException($"--plan: {path}: {key} must be a positive whole number, not '{Text(key)}'.", "plan");
        double Positive(string key) => double.TryParse(Text(key), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value > 0 && double.IsFinite(value)
            ? value
            : throw new VectorEngineArgumentException($"--plan: {path}: {key} must be a positive number, not '{Text(key)}'.", "plan");
        // In the file's order, so the first bad line is the one named.
        int nodes = Count("NODES"), shards = Count("SHARDS"), replicas = Count("REPLICAS");
        string index = Text("INDEX"), knob = Text("KNOB");
        return new AppliedPlan
        {
            Nodes = nodes,
            Shards = shards,
            Replicas = replicas,
            Index = index,
            Knob = knob,
            KnobValue = knob.Length == 0 ? 0 : Count("KNOB_VALUE"),
            TargetQps = Positive("TARGET_QPS"),
            P95Ms = Positive("P95_MS"),
            SaturationQps = Positive("SATURATION_QPS"),
            Recall = Positive("RECALL"),
            TimeFactor = Positive("TIME_FACTOR_90"),
        };
    }
}
