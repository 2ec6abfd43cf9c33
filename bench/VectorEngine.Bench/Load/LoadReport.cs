using System.Text.Json.Serialization;

namespace VectorEngine.Bench.Load;

/// <summary>The JSON of <c>bench load</c>, in the style of <c>bench ann</c>'s report.</summary>
internal sealed class LoadReport
{
    [JsonPropertyName("target")] public required string Target { get; init; }
    [JsonPropertyName("collection")] public required string Collection { get; init; }
    [JsonPropertyName("clients")] public int Clients { get; init; }
    [JsonPropertyName("connections")] public int Connections { get; init; }
    [JsonPropertyName("search_api")] public required string SearchApi { get; init; }
    [JsonPropertyName("duration_s")] public double DurationSeconds { get; init; }
    [JsonPropertyName("mix")] public required Dictionary<string, double> Mix { get; init; }
    [JsonPropertyName("search_params")] public required Dictionary<string, object> SearchParams { get; init; }
    [JsonPropertyName("k")] public int K { get; init; }
    [JsonPropertyName("total_qps")] public double TotalQps { get; init; }
    /// <summary>The open loop's scheduled calls per second; null for a closed loop.</summary>
    [JsonPropertyName("rate")] public double? Rate { get; init; }
    /// <summary>With <c>--plan</c>: the run at the plan's target load, and the plan's predictions beside both runs.</summary>
    [JsonPropertyName("plan_check")] public PlanCheck? PlanCheck { get; set; }
    [JsonPropertyName("recall_at_k")] public double? RecallAtK { get; set; }
    [JsonPropertyName("ops")] public List<LoadOp> Ops { get; } = [];
    /// <summary>All operations per target (its "op" is the target's address): per-node QPS against a cluster.</summary>
    [JsonPropertyName("targets")] public List<LoadOp> Targets { get; } = [];
    /// <summary>Per second of the run: completed and failed calls per operation (a failover's dip and recovery).</summary>
    [JsonPropertyName("timeline")] public List<Dictionary<string, long>> Timeline { get; } = [];
}

/// <summary>One operation's figures.</summary>
internal sealed class LoadOp
{
    [JsonPropertyName("op")] public required string Op { get; init; }
    [JsonPropertyName("count")] public long Count { get; init; }
    [JsonPropertyName("errors")] public long Errors { get; init; }
    [JsonPropertyName("qps")] public double Qps { get; init; }
    [JsonPropertyName("p50_us")] public double P50Us { get; init; }
    [JsonPropertyName("p95_us")] public double P95Us { get; init; }
    [JsonPropertyName("p99_us")] public double P99Us { get; init; }
}

/// <summary>A <c>bench plan --apply</c> plan's predictions beside what the cluster it laid out delivered.</summary>
internal sealed class PlanCheck
{
    [JsonPropertyName("plan_file")] public required string PlanFile { get; init; }
    [JsonPropertyName("layout")] public required string Layout { get; init; }
    [JsonPropertyName("predicted_saturation_qps")] public double PredictedSaturationQps { get; init; }
    [JsonPropertyName("measured_saturation_qps")] public double MeasuredSaturationQps { get; init; }
    [JsonPropertyName("saturation_qps_error")] public double SaturationQpsError => Math.Round((PredictedSaturationQps / MeasuredSaturationQps) - 1, 4);
    [JsonPropertyName("target_qps")] public double TargetQps { get; init; }
    [JsonPropertyName("measured_qps_at_target")] public double MeasuredQpsAtTarget { get; init; }
    [JsonPropertyName("predicted_p95_ms")] public double PredictedP95Ms { get; init; }
    [JsonPropertyName("measured_p95_ms_at_target")] public double MeasuredP95MsAtTarget { get; init; }
    [JsonPropertyName("p95_error")] public double P95Error => Math.Round((PredictedP95Ms / MeasuredP95MsAtTarget) - 1, 4);
    [JsonPropertyName("predicted_recall")] public double PredictedRecall { get; init; }
    [JsonPropertyName("measured_recall")] public double? MeasuredRecall { get; init; }
    [JsonPropertyName("time_factor_90")] public double TimeFactor { get; init; }
    [JsonPropertyName("at_target")] public required LoadReport AtTarget { get; init; }
}
