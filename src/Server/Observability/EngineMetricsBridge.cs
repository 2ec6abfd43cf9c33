using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;
using VectorEngine.Diagnostics;

namespace VectorEngine.Server.Observability;

/// <summary>
/// Publishes the engine's own instruments (the "VectorEngine" and "VectorEngine.Matching" meters) in the server's
/// Prometheus registry: counters as <c>_total</c> counters, histograms in milliseconds, observable gauges read at each
/// scrape. Names are the instrument names with dots as underscores; tags become labels.
/// </summary>
/// <remarks>
/// prometheus-net's own meter adapter reports only to its default registry, and the server keeps a registry of its
/// own (two servers in one process never mix their call metrics). The engine's meters are process-wide, so such
/// servers both report every collection's engine figures.
/// </remarks>
public sealed class EngineMetricsBridge : IDisposable
{
    private static readonly double[] MillisecondBuckets = Histogram.ExponentialBuckets(0.01, 2, 24);

    private readonly MeterListener _listener = new();
    private readonly IMetricFactory _factory;
    private readonly ConcurrentDictionary<string, (Collector Collector, string[] Labels)> _collectors = new();

    // Every label set written, per collector, so a dropped collection's series can be removed.
    private readonly ConcurrentDictionary<(Collector Collector, string Values), string[]> _series = new();

    /// <summary>Starts listening.</summary>
    /// <param name="registry">The server's registry.</param>
    public EngineMetricsBridge(CollectorRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _factory = Metrics.WithCustomRegistry(registry);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name is EngineTelemetry.Name or "VectorEngine.Matching")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
        registry.AddBeforeCollectCallback(_listener.RecordObservableInstruments);
    }

    /// <summary>Removes every series labelled with a collection that is gone (dropped), as the server's own gauges do.</summary>
    /// <param name="collection">The collection's name.</param>
    public void Forget(string collection)
    {
        foreach (KeyValuePair<(Collector Collector, string Values), string[]> series in _series)
        {
            (Collector collector, string[] labels) = _collectors.Values.First(c => ReferenceEquals(c.Collector, series.Key.Collector));
            int at = Array.IndexOf(labels, "collection");
            if (at >= 0 && series.Value[at] == collection && _series.TryRemove(series.Key, out _))
            {
                switch (collector)
                {
                    case Counter counter:
                        counter.RemoveLabelled(series.Value);
                        break;
                    case Histogram histogram:
                        histogram.RemoveLabelled(series.Value);
                        break;
                    case Gauge gauge:
                        gauge.RemoveLabelled(series.Value);
                        break;
                }
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // Label names are fixed by the first measurement of an instrument; a later tag outside them is dropped.
        string[] observed = new string[tags.Length];
        for (int i = 0; i < tags.Length; i++)
        {
            observed[i] = tags[i].Key;
        }

        (Collector collector, string[] labels) = _collectors.GetOrAdd(instrument.Name, _ => Create(instrument, observed));
        string[] values = new string[labels.Length];
        for (int l = 0; l < labels.Length; l++)
        {
            values[l] = "";
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == labels[l])
                {
                    values[l] = tag.Value?.ToString() ?? "";
                }
            }
        }

        _series.TryAdd((collector, string.Join('\u0001', values)), values);
        switch (collector)
        {
            case Counter counter:
                counter.WithLabels(values).Inc(value);
                break;
            case Histogram histogram:
                histogram.WithLabels(values).Observe(value);
                break;
            case Gauge gauge:
                gauge.WithLabels(values).Set(value);
                break;
        }
    }

    private (Collector, string[]) Create(Instrument instrument, string[] labels)
    {
        string name = instrument.Name.Replace('.', '_');
        string help = instrument.Description ?? instrument.Name;
        Array.Sort(labels, StringComparer.Ordinal);
        Collector collector = instrument switch
        {
            Counter<long> or Counter<int> or Counter<double> => _factory.CreateCounter(name + "_total", help, new CounterConfiguration { LabelNames = labels }),
            Histogram<double> or Histogram<long> => _factory.CreateHistogram(name + "_" + (instrument.Unit == "ms" ? "milliseconds" : "value"), help,
                new HistogramConfiguration { LabelNames = labels, Buckets = MillisecondBuckets }),
            _ => _factory.CreateGauge(name, help, new GaugeConfiguration { LabelNames = labels }),
        };
        return (collector, labels);
    }
}
