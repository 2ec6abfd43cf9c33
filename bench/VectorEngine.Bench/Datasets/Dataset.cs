using System.Text.Json;

namespace VectorEngine.Bench.Datasets;

/// <summary>A benchmark dataset in the ../shared/data layout: dataset.json, base/query vectors and ground truth.</summary>
internal sealed class Dataset
{
    public required string Name { get; init; }

    public required DistanceMetric Metric { get; init; }

    public required float[][] Base { get; init; }

    public required float[][] Queries { get; init; }

    public required int[][] GroundTruth { get; init; }

    public int Dimension => Base[0].Length;

    public static Dataset Load(string directory, int? maxQueries = null)
    {
        string manifest = Path.Combine(directory, "dataset.json");
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(manifest));
        JsonElement root = doc.RootElement;
        string metric = root.GetProperty("metric").GetString() ?? "euclidean";
        return new Dataset
        {
            Name = root.TryGetProperty("name", out JsonElement n) ? n.GetString()! : Path.GetFileName(directory),
            Metric = metric switch
            {
                "euclidean" or "l2" => DistanceMetric.L2,
                "angular" or "cosine" => DistanceMetric.Cosine,
                "ip" or "dot" or "inner_product" => DistanceMetric.InnerProduct,
                _ => throw new InvalidDataException($"Unknown metric '{metric}' in {manifest}."),
            },
            Base = VectorFile.ReadFvecs(Resolve(directory, root, "base")),
            Queries = VectorFile.ReadFvecs(Resolve(directory, root, "query"), maxQueries),
            GroundTruth = VectorFile.ReadIvecs(Resolve(directory, root, "groundtruth"), maxQueries),
        };
    }

    /// <summary>The file named in dataset.json, or its decompressed / compressed sibling when only that exists.</summary>
    private static string Resolve(string directory, JsonElement root, string key)
    {
        string name = root.GetProperty(key).GetString()!;
        string path = Path.Combine(directory, name);
        if (File.Exists(path))
        {
            return path;
        }

        string alternative = name.EndsWith(".gz", StringComparison.Ordinal) ? path[..^3] : path + ".gz";
        return File.Exists(alternative) ? alternative : throw new FileNotFoundException($"Dataset file not found: {path}");
    }
}
