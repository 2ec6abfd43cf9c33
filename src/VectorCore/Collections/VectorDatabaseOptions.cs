using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VectorEngine.Indexing;
using VectorEngine.Storage;

namespace VectorEngine;

/// <summary>Options for <see cref="VectorDatabase.Open(string, VectorDatabaseOptions?)"/>.</summary>
public sealed class VectorDatabaseOptions
{
    /// <summary>When the WAL is forced to disk. Default <see cref="WalSyncMode.PerWrite"/>: an acknowledged write survives power loss.</summary>
    public WalSyncMode WalSyncMode { get; set; } = WalSyncMode.PerWrite;

    /// <summary>Background fsync period under <see cref="WalSyncMode.Interval"/>. Default 100 ms.</summary>
    public TimeSpan WalSyncInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The mutable segment is sealed after the write that brings it to this many points (a batch is never split). Default 200,000.</summary>
    public int MaxMutableSegmentPoints { get; set; } = 200_000;

    /// <summary>The mutable segment is sealed when its vectors take this many bytes. Default 256 MiB.</summary>
    public long MaxMutableSegmentBytes { get; set; } = 256L << 20;

    /// <summary>
    /// The optimizer never writes a segment with more live points than this: a merge takes sources only while their
    /// live points fit, so segments (and their index files) stay a bounded size (never below
    /// <see cref="MaxMutableSegmentPoints"/>). Default 1,000,000.
    /// </summary>
    public int MaxSegmentPoints { get; set; } = 1_000_000;

    /// <summary>
    /// The optimizer never writes a segment whose float vectors take more than this many bytes, so every other file of
    /// a segment (graph, codes, lists) stays well within what one array can hold. Default 2 GiB.
    /// </summary>
    public long MaxSegmentBytes { get; set; } = 2L << 30;

    /// <summary>Run the merge optimizer in the background. Default true.</summary>
    public bool EnableBackgroundOptimizer { get; set; } = true;

    /// <summary>How often the background optimizer looks for work. Default 10 s.</summary>
    public TimeSpan OptimizerInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A sealed segment with at least this fraction of deleted points is rewritten. Default 0.2.</summary>
    public double OptimizerDeletedFraction { get; set; } = 0.2;

    /// <summary>Sealed segments smaller than this many live points are merged together. Default 20,000.</summary>
    public int OptimizerSmallSegmentPoints { get; set; } = 20_000;

    /// <summary>
    /// A filtered search whose matching set in a segment has at most this many points scans them exactly instead of
    /// traversing the index. Null (the default) lets the planner decide by cost per segment and search, from the index's
    /// own estimate (<see cref="Indexing.IVectorIndex.EstimateSearchCost"/>): a larger segment or a wider beam makes a
    /// traversal dearer, so more matches are scanned exactly.
    /// </summary>
    public int? ExactFilterThreshold { get; set; }

    /// <summary>
    /// The file system every database file goes through (SQLite's VFS is the model). Default: the real one,
    /// <see cref="LocalFileSystem.Instance"/>. Tests put a fault-injecting one here.
    /// </summary>
    public IFileSystem FileSystem { get; set; } = LocalFileSystem.Instance;

    /// <summary>Logging; defaults to none.</summary>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>
    /// Embedding generators by name, for collections declaring <see cref="CollectionOptions.Embedding"/>: the name is
    /// stored with the collection, the generator is given again at every open (e.g. VectorEngine.Embeddings'
    /// <c>OnnxEmbeddingGenerator</c>).
    /// </summary>
    public Dictionary<string, Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>> EmbeddingGenerators { get; } =
        new(StringComparer.Ordinal);

    /// <summary>Index types by name. Index packages add theirs here (<c>options.UseHnsw()</c>).</summary>
    public IndexRegistry Indexes { get; } = new();

    /// <summary>Quantizers by name, for indexes that traverse compressed codes (<c>options.UseQuantization()</c> adds them).</summary>
    public Indexing.Quantization.QuantizerRegistry Quantizers { get; } = new();

    /// <summary>
    /// The index of sealed segments for collections created without <see cref="CollectionOptions.Index"/>. Default: flat;
    /// index packages set it when they plug in (<c>options.UseHnsw()</c>).
    /// </summary>
    public IndexSpec DefaultIndex { get; set; } = IndexSpec.Flat;

    /// <summary>
    /// Where cold segments are archived. Null (the default): a <see cref="Tiers.LocalDirectoryObjectStore"/> in the
    /// database's <c>objects</c> folder; give an S3 store (VectorEngine.S3) to keep them off the machine.
    /// </summary>
    public Tiers.IObjectStore? ObjectStore { get; set; }

    /// <summary>
    /// The memory the database's sealed segments may hold (graphs, codes, resident vectors, ids, payloads). Above it the
    /// tier mover demotes the least recently used segments: hot to warm first, then warm to cold. Null (the default): no budget.
    /// </summary>
    public long? MaxResidentBytes { get; set; }

    /// <summary>The clock tier policies read (segment ages, access times). Tests put a fake one here.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Run the tier mover (policies and the budget) in the background. Default true.</summary>
    public bool EnableTierMover { get; set; } = true;

    /// <summary>How often the tier mover looks for work, on <see cref="TimeProvider"/>'s clock. Default 1 minute.</summary>
    public TimeSpan TierMoverInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often the float-vector pages that warm segments' rescoring brought into memory are given back (they are
    /// re-read from disk, or the page cache, when touched again): what keeps a warm segment's memory at its graph and
    /// codes under a steady search load. Default 5 s.
    /// </summary>
    public TimeSpan WarmPageTrimInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Memory of the log that holds each collection's warm payloads (older pages go to disk). Default 64 MiB.</summary>
    public long WarmPayloadMemoryBytes { get; set; } = 64L << 20;

    internal void Validate()
    {
        if (MaxMutableSegmentPoints < 1)
        {
            throw new VectorEngineArgumentException("MaxMutableSegmentPoints must be at least 1.", nameof(MaxMutableSegmentPoints));
        }

        if (MaxSegmentPoints < 1 || MaxSegmentBytes < 1)
        {
            throw new VectorEngineArgumentException("MaxSegmentPoints and MaxSegmentBytes must be positive.", nameof(MaxSegmentPoints));
        }

        if (MaxMutableSegmentBytes < 1)
        {
            throw new VectorEngineArgumentException("MaxMutableSegmentBytes must be at least 1.", nameof(MaxMutableSegmentBytes));
        }

        if (WalSyncInterval <= TimeSpan.Zero || OptimizerInterval <= TimeSpan.Zero)
        {
            throw new VectorEngineArgumentException("Intervals must be positive.", nameof(WalSyncInterval));
        }

        if (FileSystem is null)
        {
            throw new VectorEngineArgumentException("FileSystem must not be null.", nameof(FileSystem));
        }

        if (DefaultIndex is null)
        {
            throw new VectorEngineArgumentException("DefaultIndex must not be null.", nameof(DefaultIndex));
        }

        if (ExactFilterThreshold < 0)
        {
            throw new VectorEngineArgumentException("ExactFilterThreshold must not be negative.", nameof(ExactFilterThreshold));
        }

        if (MaxResidentBytes is < 0)
        {
            throw new VectorEngineArgumentException("MaxResidentBytes must not be negative.", nameof(MaxResidentBytes));
        }

        if (TimeProvider is null)
        {
            throw new VectorEngineArgumentException("TimeProvider must not be null.", nameof(TimeProvider));
        }

        if (TierMoverInterval <= TimeSpan.Zero || WarmPageTrimInterval <= TimeSpan.Zero)
        {
            throw new VectorEngineArgumentException("TierMoverInterval and WarmPageTrimInterval must be positive.", nameof(TierMoverInterval));
        }

        if (WarmPayloadMemoryBytes < 1L << 21)
        {
            throw new VectorEngineArgumentException("WarmPayloadMemoryBytes must be at least 2 MiB.", nameof(WarmPayloadMemoryBytes));
        }

        if (OptimizerDeletedFraction is <= 0 or > 1)
        {
            throw new VectorEngineArgumentException("OptimizerDeletedFraction must be in (0, 1].", nameof(OptimizerDeletedFraction));
        }
    }
}
