using System.Text.Json;
using System.Text.Json.Serialization;
using VectorEngine.Diagnostics;
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

    internal static JsonSerializerOptions Json { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    public static CollectionConfigFile From(string name, CollectionOptions options) => new()
    {
        Name = name,
        Dimension = options.Dimension,
        Metric = options.Metric,
        IndexName = options.Index.Name,
        IndexParameters = new Dictionary<string, string>(options.Index.Parameters),
        PayloadIndexes = new Dictionary<string, PayloadIndexType>(options.PayloadIndexes, StringComparer.Ordinal),
    };

    public CollectionOptions ToOptions() => new(Dimension, Metric)
    {
        Index = new IndexSpec(IndexName, IndexParameters),
        PayloadIndexes = new Dictionary<string, PayloadIndexType>(PayloadIndexes, StringComparer.Ordinal),
    };

    public void Save(string directory) =>
        DurableFile.WriteAllBytes(Path.Combine(directory, FileName), JsonSerializer.SerializeToUtf8Bytes(this, Json));

    public static CollectionConfigFile Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        CollectionConfigFile? config = null;
        try
        {
            config = JsonSerializer.Deserialize<CollectionConfigFile>(File.ReadAllBytes(path), Json);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            ThrowHelper.ThrowCorrupt($"Collection config '{path}' is unreadable.", e);
        }

        if (config is null || config.Format != FormatName || config.Version != CurrentVersion || config.Dimension < 1)
        {
            ThrowHelper.ThrowCorrupt($"Collection config '{path}' has an unknown format or version.");
        }

        config.PayloadIndexes = new Dictionary<string, PayloadIndexType>(config.PayloadIndexes, StringComparer.Ordinal);
        return config;
    }
}
