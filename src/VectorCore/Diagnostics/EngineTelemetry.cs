using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace VectorEngine.Diagnostics;

/// <summary>
/// The engine's own telemetry, named "VectorEngine" so any OpenTelemetry host (AddMeter / AddSource) or dotnet-counters
/// picks it up: searches, upserts and their latencies, WAL bytes, seals and merges, and open segments. Costs a flag
/// check when nobody listens: instruments report only to enabled listeners, and StartActivity returns null.
/// </summary>
public static class EngineTelemetry
{
    /// <summary>The meter's and the activity source's name.</summary>
    public const string Name = "VectorEngine";

    /// <summary>Spans: vectorengine.search / .text_search / .query / .upsert / .seal / .merge.</summary>
    public static ActivitySource Source { get; } = new(Name, typeof(EngineTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Meter Meter = new(Name, typeof(EngineTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Counter<long> Searches = Meter.CreateCounter<long>("vectorengine.searches", description: "Searches run, by collection and kind (vector, text, hybrid).");

    internal static readonly Histogram<double> SearchDuration = Meter.CreateHistogram<double>("vectorengine.search.duration", "ms", "Search latency, by collection and kind.");

    internal static readonly Counter<long> UpsertedPoints = Meter.CreateCounter<long>("vectorengine.upserted_points", description: "Points written by upserts, by collection.");

    internal static readonly Histogram<double> UpsertDuration = Meter.CreateHistogram<double>("vectorengine.upsert.duration", "ms", "Upsert latency (durable), by collection.");

    internal static readonly Counter<long> WalBytes = Meter.CreateCounter<long>("vectorengine.wal.bytes", "By", "Bytes appended to write-ahead logs, by collection.");

    internal static readonly Counter<long> Seals = Meter.CreateCounter<long>("vectorengine.segments.sealed", description: "Mutable segments sealed, by collection.");

    internal static readonly Counter<long> MergedPoints = Meter.CreateCounter<long>("vectorengine.optimizer.merged_points", description: "Points rewritten by the optimizer's merges, by collection.");

    internal static readonly Counter<long> Merges = Meter.CreateCounter<long>("vectorengine.optimizer.merges", description: "Segment merges, by collection.");

    // Open collections, held weakly: one that failed half-way through opening is simply collected, never reported.
    private static readonly ConditionalWeakTable<VectorEngine.Collection, object> OpenCollections = [];

    private static readonly ObservableGauge<int> SegmentGauge = Meter.CreateObservableGauge(
        "vectorengine.segments", ObserveSegments, description: "Segments of each open collection (sealed and mutable).");

    internal static void Opened(VectorEngine.Collection collection) => OpenCollections.AddOrUpdate(collection, collection.Name);

    internal static void Closed(VectorEngine.Collection collection) => OpenCollections.Remove(collection);

    /// <summary>Milliseconds since a <see cref="Stopwatch.GetTimestamp"/> value.</summary>
    internal static double MillisecondsSince(long start) => Stopwatch.GetElapsedTime(start).TotalMilliseconds;

    internal static KeyValuePair<string, object?> Collection(string name) => new("collection", name);

    internal static KeyValuePair<string, object?> Kind(string kind) => new("kind", kind);

    private static IEnumerable<Measurement<int>> ObserveSegments()
    {
        var measurements = new List<Measurement<int>>();
        foreach (KeyValuePair<VectorEngine.Collection, object> open in OpenCollections)
        {
            try
            {
                measurements.Add(new Measurement<int>(open.Key.GetInfo().SegmentCount, Collection(open.Key.Name)));
            }
            catch (VectorEngineException)
            {
                // Closed between the listing and the read.
            }
        }

        return measurements;
    }
}
