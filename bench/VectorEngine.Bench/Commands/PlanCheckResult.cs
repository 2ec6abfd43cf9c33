using VectorEngine.Bench.Machine;
using VectorEngine.Bench.Planning;
using VectorEngine.Bench.Runs;

namespace VectorEngine.Bench.Commands;

/// <summary>What bench plan-check found: the comparisons, and every sweep they rest on (calibration and held back).</summary>
/// <param name="Rows">Prediction beside measurement, per held-back size and repetition.</param>
/// <param name="Sweeps">Every size's measured settings, per repetition.</param>
internal sealed record PlanCheckResult(IReadOnlyList<CheckRow> Rows, IReadOnlyList<MeasuredSweep> Sweeps)
{
    /// <summary>The dataset's name.</summary>
    public string Dataset { get; init; } = string.Empty;

    /// <summary>The vectors' dimension.</summary>
    public int Dimension { get; init; }

    /// <summary>The other dataset the held-back sizes came from, or null.</summary>
    public CrossCheck? Cross { get; init; }

    /// <summary>The machine profile measured in each repetition (empty: the cached one was used).</summary>
    public IReadOnlyList<SittingProfile> Profiles { get; init; } = [];

    /// <summary>How the sweeps were measured; kept through <c>--sweeps</c> replays; null in results saved before it was recorded.</summary>
    public CheckSettings? Measured { get; init; }
}

/// <summary>How a check's sweeps were measured: a sweep's recall depends on the graph's build settings and the queries taken.</summary>
/// <param name="M">HNSW links per node.</param>
/// <param name="EfConstruction">HNSW build beam.</param>
/// <param name="Queries">Queries searched (the held-back data's, after --queries).</param>
/// <param name="K">Neighbours per query.</param>
/// <param name="Rounds">Timing rounds per repetition.</param>
/// <param name="Rebuild">Whether each repetition built new graphs (level seed 100 + repetition - 1).</param>
/// <param name="Shuffle">The seed the rows were shuffled by before each size took its first ones; null: the file's order.</param>
internal sealed record CheckSettings(int M, int EfConstruction, int Queries, int K, int Rounds, bool Rebuild, int? Shuffle = null);

/// <summary>The machine profile measured in one repetition of a check.</summary>
/// <param name="Repetition">The repetition (1-based).</param>
/// <param name="Profile">What was measured right after its sweeps.</param>
internal sealed record SittingProfile(int Repetition, MachineProfile Profile);

/// <summary>A check on another dataset than the calibration's: its name and dimension, and both datasets' hardness.</summary>
/// <param name="Dataset">The other dataset.</param>
/// <param name="Dimension">Its dimension.</param>
/// <param name="Hardness">The calibration data's hardness.</param>
/// <param name="CheckHardness">The other dataset's.</param>
internal sealed record CrossCheck(string Dataset, int Dimension, DataHardness Hardness, DataHardness CheckHardness);

/// <summary>One setting measured at one size in one repetition (the fastest of its timing rounds).</summary>
internal sealed record MeasuredSweep(int Repetition, int Points, int Ef, double Recall, double Qps, long IndexBytes, double VectorBytesPerPoint, double? DistancesPerQuery)
{
    /// <summary>
    /// Per query, each one's true neighbours found (of k): kept for the held-back sizes, whose measured knob is
    /// resampled over the queries (<see cref="QueryBootstrap"/>); null for the calibration's sizes and older results.
    /// </summary>
    public byte[]? Hits { get; init; }

    /// <summary>The share of the kept timing the garbage collector paused the search (null in older results).</summary>
    public double? GcPauseShare { get; init; }

    /// <summary>The process's CPU seconds over the kept timing's seconds (null in older results): below 1, the pinned CPU
    /// was taken by something else for part of it.</summary>
    public double? CpuShare { get; init; }

    /// <summary>How the counted pass's scored vectors fell on the rows (null in older results).</summary>
    public VisitShares? VisitShares { get; init; }

    /// <summary>The single-thread run this measurement is, as the calibration reads runs.</summary>
    public AnnRun ToRun(int k) => new()
    {
        Index = "hnsw",
        Threads = 1,
        K = k,
        Qps = Qps,
        RecallAtK = Recall,
        IndexBytes = IndexBytes,
        VectorBytesPerPoint = VectorBytesPerPoint,
        DistancesPerQuery = DistancesPerQuery,
        VisitShares = VisitShares,
        SearchParams = new() { ["ef"] = Ef },
    };
}
