using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using VectorEngine.Diagnostics;
using VectorEngine.Tests.Collections;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests.Diagnostics;

/// <summary>The engine's meter and activity source, as an OpenTelemetry host would see them.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public void Searches_upserts_seals_merges_wal_bytes_and_segments_are_measured_and_traced_per_collection()
    {
        // A name of its own: other tests run in parallel and report to the same static instruments.
        string name = "telemetry-" + Guid.NewGuid().ToString("N")[..8];
        var sums = new ConcurrentDictionary<string, double>();
        var spans = new ConcurrentQueue<string>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == EngineTelemetry.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? kind = null;
            bool ours = false;
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                ours |= tag.Key == "collection" && (string?)tag.Value == name;
                kind = tag.Key == "kind" ? (string?)tag.Value : kind;
            }

            if (ours)
            {
                sums.AddOrUpdate(instrument.Name + (kind is null ? "" : "/" + kind), value, (_, old) => instrument is ObservableGauge<int> ? value : old + value);
            }
        }

        meters.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        meters.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        meters.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        meters.Start();
        using var activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == EngineTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                if ((string?)activity.GetTagItem("vectorengine.collection") == name)
                {
                    spans.Enqueue(activity.OperationName);
                }
            },
        };
        ActivitySource.AddActivityListener(activities);

        using var t = new TestDatabase(o => o.MaxMutableSegmentPoints = 50);
        Collection c = t.Db.CreateCollection(name, new CollectionOptions(4, DistanceMetric.L2) { PayloadIndexes = { ["body"] = PayloadIndexType.Text } });
        float[][] vectors = Data.RandomVectors(3, 120, 4);
        foreach (Point[] batch in vectors.Select((v, i) => new Point((ulong)i, v, new Payload { ["body"] = "rust engineer " + i })).Chunk(30))
        {
            c.Upsert(batch);
        }

        // Batches of 30 with segments of 50: a seal after the 2nd and the 4th batch, in the background: wait (bounded).
        var clock = Stopwatch.StartNew();
        while (c.GetInfo().SealedSegmentCount < 2 && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            Thread.Sleep(20);
        }

        Assert.Equal(2, c.GetInfo().SealedSegmentCount);
        c.Search(vectors[0], 5);
        c.Search(vectors[1], 5);
        c.SearchText(new TextSearchRequest("body", "rust", 5));
        c.Query(new HybridQuery(5, new VectorPrefetch(vectors[2], 5), new TextPrefetch("body", "engineer", 5)));
        c.Optimize();
        meters.RecordObservableInstruments();

        Assert.Equal(120, sums["vectorengine.upserted_points"]);
        Assert.True(sums["vectorengine.wal.bytes"] > 120 * 4 * sizeof(float));
        Assert.True(sums["vectorengine.upsert.duration"] > 0);
        Assert.Equal(3, sums["vectorengine.searches/vector"]);          // two searches and the query's dense stage
        Assert.Equal(2, sums["vectorengine.searches/text"]);            // one text search and the query's BM25 stage
        Assert.Equal(1, sums["vectorengine.searches/hybrid"]);
        Assert.Equal(2, sums["vectorengine.segments.sealed"]);
        Assert.Equal(1, sums["vectorengine.optimizer.merges"]);
        Assert.Equal(120, sums["vectorengine.optimizer.merged_points"]);
        Assert.Equal(c.GetInfo().SegmentCount, sums["vectorengine.segments"]);
        string[] traced = [.. spans];
        Assert.Equal(4, traced.Count(s => s == "vectorengine.upsert"));
        Assert.Equal(3, traced.Count(s => s == "vectorengine.search"));
        Assert.Contains("vectorengine.text_search", traced);
        Assert.Contains("vectorengine.query", traced);
        Assert.Equal(2, traced.Count(s => s == "vectorengine.seal"));
        Assert.Contains("vectorengine.merge", traced);
    }
}
