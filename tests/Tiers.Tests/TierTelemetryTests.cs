using System.Diagnostics.Metrics;
using VectorEngine.Tests.TestKit;
using VectorEngine.Tiers.Tests.Support;

namespace VectorEngine.Tiers.Tests;

/// <summary>The mover's metrics: moves by direction and reason, promotion time, bytes and segments per tier.</summary>
public sealed class TierTelemetryTests
{
    [Fact]
    public void Moves_promotion_time_and_per_tier_bytes_are_reported()
    {
        using var db = new TieredDatabase();
        Collection collection = db.Create("telemetry-c", 1300, TierMovesTests.HnswOptionsSpec(quantized: true));
        var counts = new List<(string Instrument, long Value, Dictionary<string, object?> Tags)>();
        var durations = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "VectorEngine" && instrument.Name.StartsWith("vectorengine.tiers.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var map = new Dictionary<string, object?>();
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                map[tag.Key] = tag.Value;
            }

            if (Equals(map.GetValueOrDefault("collection"), "telemetry-c"))
            {
                lock (counts)
                {
                    counts.Add((instrument.Name, value, map));
                }
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "collection" && Equals(tag.Value, "telemetry-c"))
                {
                    lock (durations)
                    {
                        durations.Add(value);
                    }
                }
            }
        });
        listener.Start();

        int[] ids = [.. collection.GetSegmentTiers().Select(s => s.SegmentId)];
        collection.MoveSegment(ids[0], SegmentTier.Warm);
        collection.MoveSegment(ids[1], SegmentTier.Cold);
        listener.RecordObservableInstruments();
        collection.Search(Data.RandomVectors(1, 1, TieredDatabase.Dim)[0], 3);

        lock (counts)
        {
            Assert.Contains(counts, c => c.Instrument == "vectorengine.tiers.demotions" && Equals(c.Tags["to"], "warm") && Equals(c.Tags["reason"], "manual"));
            Assert.Contains(counts, c => c.Instrument == "vectorengine.tiers.demotions" && Equals(c.Tags["to"], "cold"));
            Assert.Contains(counts, c => c.Instrument == "vectorengine.tiers.promotions" && Equals(c.Tags["from"], "cold") && Equals(c.Tags["reason"], "access"));
            Assert.Contains(counts, c => c.Instrument == "vectorengine.tiers.segments" && Equals(c.Tags["tier"], "cold") && c.Value == 1);
            Assert.Contains(counts, c => c.Instrument == "vectorengine.tiers.resident_bytes" && Equals(c.Tags["tier"], "warm") && c.Value > 0);
        }

        lock (durations)
        {
            Assert.Single(durations);
        }
    }
}
