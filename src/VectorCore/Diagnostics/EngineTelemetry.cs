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

    internal static readonly Counter<long> Promotions = Meter.CreateCounter<long>("vectorengine.tiers.promotions", description: "Segments moved to a warmer tier, by collection, from, to and reason (policy, budget, access, manual).");

    internal static readonly Counter<long> Demotions = Meter.CreateCounter<long>("vectorengine.tiers.demotions", description: "Segments moved to a colder tier, by collection, from, to and reason.");

    internal static readonly Counter<long> WarmRowsRescored = Meter.CreateCounter<long>("vectorengine.tiers.warm_rows_rescored", description: "Float rows read from warm segments' files to rescore search candidates, by collection.");

    internal static readonly Histogram<double> PromotionDuration = Meter.CreateHistogram<double>("vectorengine.tiers.promotion.duration", "ms", "Time to fetch, check and open a cold segment, by collection.");

    // Open collections, held weakly: one that failed half-way through opening is simply collected, never reported.
    private static readonly ConditionalWeakTable<VectorEngine.Collection, object> OpenCollections = [];

    private static readonly ObservableGauge<int> SegmentGauge = Meter.CreateObservableGauge(
        "vectorengine.segments", ObserveSegments, description: "Segments of each open collection (sealed and mutable).");

    private static readonly ObservableGauge<long> TierBytesGauge = Meter.CreateObservableGauge(
        "vectorengine.tiers.resident_bytes", () => ObserveTiers(bytes: true), "By", "Bytes sealed segments hold in memory, by collection and tier.");

    private static readonly ObservableGauge<long> TierSegmentsGauge = Meter.CreateObservableGauge(
        "vectorengine.tiers.segments", () => ObserveTiers(bytes: false), description: "Sealed segments, by collection and tier.");

    internal static void TierMoved(string collection, SegmentTier from, SegmentTier to, Tiers.TierMoveReason reason, double milliseconds)
    {
        _ = milliseconds;
        Counter<long> counter = to < from ? Promotions : Demotions;
        if (counter.Enabled)
        {
            counter.Add(1, Collection(collection), new("from", from.ToString().ToLowerInvariant()), new("to", to.ToString().ToLowerInvariant()),
                new("reason", reason.ToString().ToLowerInvariant()));
        }
    }

    internal static void Opened(VectorEngine.Collection collection) => OpenCollections.AddOrUpdate(collection, collection.Name);

    internal static void Closed(VectorEngine.Collection collection) => OpenCollections.Remove(collection);

    /// <summary>Milliseconds since a <see cref="Stopwatch.GetTimestamp"/> value.</summary>
    internal static double MillisecondsSince(long start) => Stopwatch.GetElapsedTime(start).TotalMilliseconds;

    internal static KeyValuePair<string, object?> Collection(string name) => new("collection", name);

    internal static KeyValuePair<string, object?> Kind(string kind) => new("kind", kind);

    private static IEnumerable<Measurement<long>> ObserveTiers(bool bytes)
    {
        var measurements = new List<Measurement<long>>();
        foreach (KeyValuePair<VectorEngine.Collection, object> open in OpenCollections)
        {
            try
            {
                foreach (IGrouping<SegmentTier, SegmentTierInfo> tier in open.Key.GetSegmentTiers().GroupBy(s => s.Tier))
                {
                    long value = bytes ? tier.Sum(s => s.ResidentBytes) : tier.Count();
                    measurements.Add(new Measurement<long>(value, Collection(open.Key.Name), new("tier", tier.Key.ToString().ToLowerInvariant())));
                }
            }
            catch (VectorEngineException)
            {
                // Closed between the listing and the read.
            }
        }

        return measurements;
    }

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
