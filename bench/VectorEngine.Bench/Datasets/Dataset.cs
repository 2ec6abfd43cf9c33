using System.Text.Json;

namespace VectorEngine.Bench.Datasets;

/// <summary>A benchmark dataset in the ../shared/data layout: dataset.json, base/query vectors and ground truth.</summary>
internal sealed class Dataset
{
    public required string Name { get; init; }

    public required DistanceMetric Metric { get; init; }

    public required float[][] Base { get; init; }

    public required float[][] Queries { get; init; }

    /// <summary>Row numbers of each query's true nearest neighbours; null when the base was cut to a prefix (the
    /// runner then computes them with the engine's exact scan).</summary>
    public required int[][]? GroundTruth { get; init; }

    public int Dimension => Base[0].Length;

    /// <summary>The first <paramref name="points"/> base vectors, with the same queries and no ground truth.</summary>
    public Dataset Prefix(int points) =>
        points >= Base.Length ? this : new Dataset { Name = Name, Metric = Metric, Base = Base[..points], Queries = Queries, GroundTruth = null };

    /// <summary>
    /// The same vectors in a seeded random order, without ground truth (its row numbers no longer hold): each prefix is
    /// then a random sample, nested in the next. A file kept in time order is not a sample of itself: of jobs-minilm's
    /// 1,000 queries, 140 have a repost (cosine distance under 0.05) among its first 12,000 postings, 326 among all 23,849.
    /// </summary>
    public Dataset Shuffled(int seed)
    {
        float[][] rows = [.. Base];
        new Random(seed).Shuffle(rows);
        return new Dataset { Name = Name, Metric = Metric, Base = rows, Queries = Queries, GroundTruth = null };
    }

    /// <summary>
    /// Loads a dataset: a folder in the ../shared/data layout (dataset.json naming .fvecs / .bvecs / .npy vectors and
    /// .ivecs / .npy ground truth, each optionally .gz), or an ann-benchmarks .hdf5 file.
    /// </summary>
    public static Dataset Load(string path, int? maxQueries = null)
    {
        if (AnnBenchmarksFile.Handles(path))
        {
            return AnnBenchmarksFile.Load(path, maxQueries);
        }

        string manifest = Path.Combine(path, "dataset.json");
        if (!File.Exists(manifest))
        {
            throw new FileNotFoundException($"{path}: neither an ann-benchmarks .hdf5 file nor a folder with dataset.json.");
        }

        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(manifest));
        JsonElement root = doc.RootElement;
        return new Dataset
        {
            Name = root.TryGetProperty("name", out JsonElement n) ? n.GetString()! : Path.GetFileName(path),
            Metric = MetricOf(root.GetProperty("metric").GetString() ?? "euclidean", manifest),
            Base = VectorFile.ReadVectors(Resolve(path, root, "base")),
            Queries = VectorFile.ReadVectors(Resolve(path, root, "query"), maxQueries),
            GroundTruth = VectorFile.ReadNeighbors(Resolve(path, root, "groundtruth"), maxQueries),
        };
    }

    /// <summary>The engine's metric for a dataset's distance name (ann-benchmarks and ../shared/data spellings).</summary>
    public static DistanceMetric MetricOf(string distance, string source) => distance.ToLowerInvariant() switch
    {
        "euclidean" or "l2" => DistanceMetric.L2,
        "angular" or "cosine" => DistanceMetric.Cosine,
        "ip" or "dot" or "inner_product" => DistanceMetric.InnerProduct,
        _ => throw new InvalidDataException($"{source}: distance '{distance}' is not supported (euclidean, angular, dot)."),
    };

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
