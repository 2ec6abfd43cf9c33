using VectorEngine.Bench.Machine;
using VectorEngine.Segments;

namespace VectorEngine.Bench.Planning;

/// <summary>
/// The float rows a product-quantized index reads per query to rescore its candidates, priced by where they come from.
/// Its codes and graph stay in memory; the float rows stay in the segment files, and a node's page cache holds the
/// share of them that its memory left over from the engine process can (rows are read uniformly at random, so that
/// share is the chance a row is there). The calibration's runs read every row from the page cache; a node whose floats
/// outgrow its memory waits for the disk on the rest (the 10M × 384 tiers run: 1.5 GB of page cache for 15 GB of
/// rows). Each row costs what <c>bench machine</c> measured: from the disk in batches the engine asks for at once, or
/// copied out of the page cache.
/// </summary>
internal static class RescoreReads
{
    /// <summary>The engine's oversampling for product-quantized codes (PqCodes.DefaultOversampling).</summary>
    public const double PqOversampling = 2.0;

    /// <summary>Whether <paramref name="model"/> rescores from float rows on disk (the product-quantized indexes).</summary>
    public static bool Applies(CostModel model) => model.Index.EndsWith("-pq", StringComparison.Ordinal);

    /// <summary>
    /// Rows read per query: every segment's k · oversampling candidates (the engine stops early when the rest cannot
    /// get in; at 10M it read 90-99% of them).
    /// </summary>
    public static double RowsPerQuery(int segments, int k) => segments * k * PqOversampling;

    /// <summary>Float bytes of one copy of a shard on disk (rows padded as the engine stores them).</summary>
    public static double FloatBytes(long points, int dimension) => (double)points * GrowableVectorStore.StrideFor(dimension) * sizeof(float);

    /// <summary>The share of a node's float rows its page cache holds: what memory the engine process leaves, over the rows.</summary>
    /// <param name="nodeRamBytes">The node's memory.</param>
    /// <param name="residentBytes">What the engine process on it holds (<see cref="EngineProcess.Bytes"/>).</param>
    /// <param name="floatBytes">Their float rows on disk.</param>
    public static double CachedShare(double nodeRamBytes, double residentBytes, double floatBytes) =>
        floatBytes <= 0 ? 1 : Math.Clamp((nodeRamBytes - residentBytes) / floatBytes, 0, 1);

    /// <summary>Seconds a query spends reading its rows on a node whose page cache holds <paramref name="cachedShare"/> of them.</summary>
    public static double Seconds(DiskSample disk, int segments, int k, double cachedShare) =>
        RowsPerQuery(segments, k) * disk.MicrosPerRow(cachedShare) * 1e-6;
}
