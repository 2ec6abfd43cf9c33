using System.Text.Json.Serialization;

namespace VectorEngine.Bench.Runs;

/// <summary>The JSON written by <c>bench ann --out</c>; later index types add runs in the same schema.</summary>
internal sealed class AnnReport
{
    [JsonPropertyName("dataset")]
    public required string Dataset { get; init; }

    [JsonPropertyName("metric")]
    public required string Metric { get; init; }

    [JsonPropertyName("n")]
    public required int N { get; init; }

    [JsonPropertyName("dim")]
    public required int Dim { get; init; }

    [JsonPropertyName("runs")]
    public List<AnnRun> Runs { get; init; } = [];

    /// <summary>How hard the base vectors are to search (estimated from a sample); null in reports written before it was measured.</summary>
    [JsonPropertyName("hardness")]
    public Planning.DataHardness? Hardness { get; set; }
}

/// <summary>One index configuration at one search setting.</summary>
internal sealed class AnnRun
{
    /// <summary>Who ran it: "vectorengine", or a peer ("hnswlib", "faiss") written by <c>bench peers</c>.</summary>
    [JsonPropertyName("engine")]
    public string Engine { get; init; } = "vectorengine";

    [JsonPropertyName("index")]
    public required string Index { get; init; }

    /// <summary>Points indexed when the run used a prefix of the base (<c>bench ann --points</c>); null: all of them.</summary>
    [JsonPropertyName("points")]
    public int? Points { get; init; }

    [JsonPropertyName("build_params")]
    public Dictionary<string, object> BuildParams { get; init; } = [];

    [JsonPropertyName("build_seconds")]
    public double BuildSeconds { get; init; }

    [JsonPropertyName("build_phases")]
    public Dictionary<string, double> BuildPhases { get; init; } = [];

    [JsonPropertyName("index_bytes")]
    public long IndexBytes { get; init; }

    /// <summary>Bytes of the database directory after the build: segment files, index files, the write-ahead log.</summary>
    [JsonPropertyName("disk_bytes")]
    public long? DiskBytes { get; init; }

    /// <summary>How much the process's resident set grew from before loading the points to after the build.</summary>
    [JsonPropertyName("rss_growth_bytes")]
    public long? RssGrowthBytes { get; set; }

    /// <summary>Bytes of vector data per point that searches traverse: 4 · stride for floats, the code size when quantized.</summary>
    [JsonPropertyName("vector_bytes_per_point")]
    public double VectorBytesPerPoint { get; init; }

    [JsonPropertyName("search_params")]
    public Dictionary<string, object> SearchParams { get; init; } = [];

    [JsonPropertyName("threads")]
    public int Threads { get; init; }

    [JsonPropertyName("k")]
    public int K { get; init; }

    [JsonPropertyName("recall_at_k")]
    public double RecallAtK { get; init; }

    /// <summary>The median of <see cref="QpsRepeats"/> when the timing was repeated; latencies are that repeat's.</summary>
    [JsonPropertyName("qps")]
    public double Qps { get; init; }

    [JsonPropertyName("qps_repeats")]
    public List<double>? QpsRepeats { get; set; }

    /// <summary>"single" (one query per call, latencies per call) or "batch" (a peer's whole query set in one call on
    /// <see cref="Threads"/> threads: no per-query latencies).</summary>
    [JsonPropertyName("call")]
    public string Call { get; init; } = "single";

    [JsonPropertyName("p50_us")]
    public double? P50Us { get; init; }

    [JsonPropertyName("p95_us")]
    public double? P95Us { get; init; }

    [JsonPropertyName("p99_us")]
    public double? P99Us { get; init; }

    /// <summary>Vectors an HNSW search scored per query, counted in an untimed pass after a single-thread run (the graph's
    /// work, apart from what each scored vector costs); null for other indexes and for multi-thread runs.</summary>
    [JsonPropertyName("distances_per_query")]
    public double? DistancesPerQuery { get; init; }

    /// <summary>How unevenly those scored vectors fell on the index's rows (counted in the same pass); null where
    /// distances were not counted, or the collection had more than one segment (their rows share offsets).</summary>
    [JsonPropertyName("visit_shares")]
    public VisitShares? VisitShares { get; init; }

    /// <summary>
    /// The share of the timed seconds the runtime's garbage collector held the searching threads paused: what a timing
    /// lost to the process itself rather than to the machine, told apart from a neighbour's noise.
    /// </summary>
    [JsonPropertyName("gc_pause_share")]
    public double GcPauseShare { get; init; }

    /// <summary>Collections during the timing, per generation (0, 1, 2).</summary>
    [JsonPropertyName("gc_collections")]
    public int[] GcCollections { get; init; } = [];

    /// <summary>
    /// The process's CPU seconds over the timed seconds times the searching threads: near 1 when the searches had their
    /// CPUs; above it when the process's other threads (the collector, the JIT) ran beside them on other CPUs.
    /// </summary>
    [JsonPropertyName("cpu_share")]
    public double CpuShare { get; init; }

    /// <summary>
    /// Per query, in query order, how many of its k true neighbours the search returned (null when k is over 255): what
    /// <c>bench plan-check</c> resamples the queries by. Not written to the report (a thousand numbers per setting).
    /// </summary>
    [JsonIgnore]
    public byte[]? HitsPerQuery { get; init; }

    /// <summary>On the recall/QPS Pareto frontier of its series (engine, index, build parameters, threads): no run of
    /// the series has both higher recall and higher QPS.</summary>
    [JsonPropertyName("pareto")]
    public bool Pareto { get; set; }
}
