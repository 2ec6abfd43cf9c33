using VectorEngine.Indexing;
using VectorEngine.Storage;

namespace VectorEngine.Collections;

/// <summary>A collection's <c>config.json</c>: written once at creation; carries a format name and version.</summary>
internal sealed class CollectionConfigFile
{
    public const string FileName = "config.json";
    public const string FormatName = "vectorengine.collection";
    public const int CurrentVersion = 1;

    public string Format { get; set; } = FormatName;

    public int Version { get; set; } = CurrentVersion;

    public string Name { get; set; } = "";

    public int Dimension { get; set; }

    public DistanceMetric Metric { get; set; }

    public string IndexName { get; set; } = FlatIndexFactory.IndexName;

    public Dictionary<string, string> IndexParameters { get; set; } = [];

    public Dictionary<string, PayloadIndexType> PayloadIndexes { get; set; } = [];

    /// <summary>Absent in files written before text indexes: every text field then uses the English analyzer.</summary>
    public Dictionary<string, TextAnalyzerOptions> TextAnalyzers { get; set; } = [];

    /// <summary>Absent in files written before collections embedded text.</summary>
    public TextEmbedding? Embedding { get; set; }

    /// <summary>Absent in files written before tiers: segments then move only by hand or by the memory budget.</summary>
    public TierPolicy? Tiering { get; set; }

    public static CollectionConfigFile From(string name, CollectionOptions options) => new()
    {
        Name = name,
        Dimension = options.Dimension,
        Metric = options.Metric,
        IndexName = options.EffectiveIndex.Name,
        IndexParameters = new Dictionary<string, string>(options.EffectiveIndex.Parameters),
        PayloadIndexes = new Dictionary<string, PayloadIndexType>(options.PayloadIndexes, StringComparer.Ordinal),
        TextAnalyzers = new Dictionary<string, TextAnalyzerOptions>(options.TextAnalyzers, StringComparer.Ordinal),
        Embedding = options.Embedding,
        Tiering = options.Tiering,
    };

    public CollectionOptions ToOptions() => new(Dimension, Metric)
    {
        Index = new IndexSpec(IndexName, IndexParameters),
        PayloadIndexes = new Dictionary<string, PayloadIndexType>(PayloadIndexes, StringComparer.Ordinal),
        TextAnalyzers = new Dictionary<string, TextAnalyzerOptions>(TextAnalyzers ?? [], StringComparer.Ordinal),
        Embedding = Embedding,
        Tiering = Tiering,
    };

    public void Save(IFileSystem fs, string directory) => JsonFile.Save(fs, Path.Combine(directory, FileName), this, EngineJsonContext.Default.CollectionConfigFile);

    public static CollectionConfigFile Load(IFileSystem fs, string directory)
    {
        CollectionConfigFile config = JsonFile.Load(
            fs,
            Path.Combine(directory, FileName),
            EngineJsonContext.Default.CollectionConfigFile,
            c => c.Format == FormatName && c.Version == CurrentVersion && c.Dimension >= 1 && c.Name is not null,
            "Collection config");
        config.PayloadIndexes = new Dictionary<string, PayloadIndexType>(config.PayloadIndexes, StringComparer.Ordinal);
        return config;
    }
}
