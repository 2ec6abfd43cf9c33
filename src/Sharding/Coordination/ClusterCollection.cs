using System.Text.Json;
using System.Text.Json.Serialization;
using VectorEngine.Indexing;
using VectorEngine.Sharding.Placement;

namespace VectorEngine.Sharding.Coordination;

/// <summary>
/// A collection as the cluster knows it: the options every shard is created with, and its shard map. Stored as JSON
/// under <c>collections/NAME</c>; the map's version is that key's etcd mod revision, so it rises with every change.
/// </summary>
public sealed class ClusterCollection
{
    /// <summary>Creates the record.</summary>
    /// <param name="options">The options each shard's local collection is created with.</param>
    /// <param name="map">Where the shards live.</param>
    /// <param name="incarnation">Which creation of the name this is (etcd's create revision; 0 before it is stored).</param>
    /// <param name="replication">Copies per shard and the copies a write needs; null: one copy.</param>
    public ClusterCollection(CollectionOptions options, ShardMap map, long incarnation = 0, ReplicationSettings? replication = null)
    {
        Options = options;
        Map = map;
        Incarnation = incarnation;
        Replication = replication ?? ReplicationSettings.Single;
    }

    /// <summary>Copies per shard and how many must have a write before it is acknowledged.</summary>
    public ReplicationSettings Replication { get; }

    /// <summary>The same collection with other shard assignments (a promotion, a move) at a version.</summary>
    public ClusterCollection WithShards(long version, IReadOnlyList<ShardAssignment> shards) =>
        new(Options, Map.With(version, shards), Incarnation, Replication);

    /// <summary>
    /// Which creation of this name the record is: etcd's create revision of its key. A collection dropped and created
    /// again under the same name is another incarnation, so shards, and calls routed with an old map, of the dropped
    /// one never mix with the new one.
    /// </summary>
    public long Incarnation { get; }

    /// <summary>The collection's name.</summary>
    public string Name => Map.Collection;

    /// <summary>The options each shard is created with.</summary>
    public CollectionOptions Options { get; }

    /// <summary>Where the shards live.</summary>
    public ShardMap Map { get; }

    internal byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(new Stored
    {
        Dimension = Options.Dimension,
        Metric = Options.Metric,
        IndexName = (Options.Index ?? IndexSpec.Flat).Name,
        IndexParameters = new Dictionary<string, string>((Options.Index ?? IndexSpec.Flat).Parameters),
        PayloadIndexes = new Dictionary<string, PayloadIndexType>(Options.PayloadIndexes, StringComparer.Ordinal),
        TextAnalyzers = Options.TextAnalyzers.Count > 0 ? new Dictionary<string, TextAnalyzerOptions>(Options.TextAnalyzers, StringComparer.Ordinal) : null,
        ShardKey = Map.ShardKey,
        Shards = Map.Shards.Select(s => s.Nodes.ToArray()).ToArray(),
        Epochs = Map.Shards.Select(s => s.Epoch).ToArray(),
        PrimaryLeases = Map.Shards.Select(s => s.PrimaryLease).ToArray(),
        Learners = Map.Shards.Any(s => s.Learners.Count > 0) ? Map.Shards.Select(s => s.Learners.ToArray()).ToArray() : null,
        ReplicationFactor = Replication.Factor,
        WriteConsistency = Replication.WriteConsistency,
    }, StoredJson.Options);

    internal static ClusterCollection FromJson(string name, long version, long incarnation, ReadOnlySpan<byte> json)
    {
        Stored stored = JsonSerializer.Deserialize<Stored>(json, StoredJson.Options) ?? throw new InvalidDataException($"Empty record for collection '{name}'.");
        if (stored.Format != Stored.FormatName || stored.Version != Stored.CurrentVersion)
        {
            throw new InvalidDataException($"Collection '{name}' is stored as {stored.Format} v{stored.Version}; this node reads {Stored.FormatName} v{Stored.CurrentVersion}.");
        }

        var options = new CollectionOptions(stored.Dimension, stored.Metric)
        {
            Index = new IndexSpec(stored.IndexName, stored.IndexParameters),
            PayloadIndexes = new Dictionary<string, PayloadIndexType>(stored.PayloadIndexes, StringComparer.Ordinal),
            TextAnalyzers = new Dictionary<string, TextAnalyzerOptions>(stored.TextAnalyzers ?? [], StringComparer.Ordinal),
        };
        var shards = stored.Shards.Select((nodes, id) => new ShardAssignment(id, nodes)
        {
            Epoch = stored.Epochs is { } epochs && id < epochs.Length ? epochs[id] : 1,
            PrimaryLease = stored.PrimaryLeases is { } leases && id < leases.Length ? leases[id] : 0,
            Learners = stored.Learners is { } learners && id < learners.Length ? learners[id] : [],
        }).ToArray();
        var replication = new ReplicationSettings(Math.Max(1, stored.ReplicationFactor), Math.Max(1, stored.WriteConsistency));
        return new ClusterCollection(options, new ShardMap(name, version, shards, stored.ShardKey), incarnation, replication);
    }

    private sealed class Stored
    {
        public const string FormatName = "vectorengine.cluster-collection";
        public const int CurrentVersion = 1;

        public string Format { get; set; } = FormatName;

        public int Version { get; set; } = CurrentVersion;

        public int Dimension { get; set; }

        public DistanceMetric Metric { get; set; }

        public string IndexName { get; set; } = FlatIndexFactory.IndexName;

        public Dictionary<string, string> IndexParameters { get; set; } = [];

        public Dictionary<string, PayloadIndexType> PayloadIndexes { get; set; } = [];

        // Absent in records written before text indexes (or without custom analyzers): English everywhere.
        public Dictionary<string, TextAnalyzerOptions>? TextAnalyzers { get; set; }

        public string? ShardKey { get; set; }

        public string[][] Shards { get; set; } = [];

        // Absent in records written before replication: one copy, epoch 1.
        public long[]? Epochs { get; set; }

        public long[]? PrimaryLeases { get; set; }

        public string[][]? Learners { get; set; }

        public int ReplicationFactor { get; set; } = 1;

        public int WriteConsistency { get; set; } = 1;
    }

    private static class StoredJson
    {
        public static readonly JsonSerializerOptions Options = new() { Converters = { new JsonStringEnumConverter() } };
    }
}
