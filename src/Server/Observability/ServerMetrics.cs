using Prometheus;
using VectorEngine.Server.Hosting;

namespace VectorEngine.Server.Observability;

/// <summary>
/// The server's Prometheus metrics, in a registry of its own (two servers in one process never mix): calls and latency
/// per gRPC method and per message inside a search stream; per collection its points, segments, deleted points, WAL
/// and index bytes, refreshed from the engine at each scrape; plus the last recovery's duration. Labels carry method, status code and collection names
/// only — never keys or payloads.
/// </summary>
public sealed class ServerMetrics : IDisposable
{
    private static readonly GaugeConfiguration PerCollection = new() { LabelNames = ["collection"] };

    private readonly DatabaseHost _host;
    private readonly Gauge _points;
    private readonly Gauge _segments;
    private readonly Gauge _deleted;
    private readonly Gauge _walBytes;
    private readonly Gauge _indexBytes;
    private readonly Gauge _recoverySeconds;
    private readonly EngineMetricsBridge _engine;
    private HashSet<string> _collections = [];

    /// <summary>Creates the metrics for one server.</summary>
    /// <param name="host">The database whose collections are reported.</param>
    public ServerMetrics(DatabaseHost host)
    {
        _host = host;
        Registry = Metrics.NewCustomRegistry();
        _engine = new EngineMetricsBridge(Registry);
        IMetricFactory factory = Metrics.WithCustomRegistry(Registry);
        Requests = factory.CreateCounter("vectorengine_grpc_requests_total", "gRPC calls by method and status code.",
            new CounterConfiguration { LabelNames = ["method", "code"] });
        Latency = factory.CreateHistogram("vectorengine_grpc_request_duration_seconds", "gRPC call latency by method.",
            new HistogramConfiguration { LabelNames = ["method"], Buckets = Histogram.ExponentialBuckets(0.00005, 2, 20) });
        StreamMessages = factory.CreateCounter("vectorengine_grpc_stream_messages_total",
            "Requests answered inside streaming calls (SearchStream), by method and per-message status code.",
            new CounterConfiguration { LabelNames = ["method", "code"] });
        StreamMessageLatency = factory.CreateHistogram("vectorengine_grpc_stream_message_duration_seconds",
            "Time from reading a streamed request to its response being written, by method.",
            new HistogramConfiguration { LabelNames = ["method"], Buckets = Histogram.ExponentialBuckets(0.00005, 2, 20) });
        _points = factory.CreateGauge("vectorengine_collection_points", "Live points per collection.", PerCollection);
        _segments = factory.CreateGauge("vectorengine_collection_segments", "Segments per collection (sealed and mutable).", PerCollection);
        _deleted = factory.CreateGauge("vectorengine_collection_deleted_points", "Deleted points not yet merged away.", PerCollection);
        _walBytes = factory.CreateGauge("vectorengine_collection_wal_bytes", "Write-ahead log bytes per collection.", PerCollection);
        _indexBytes = factory.CreateGauge("vectorengine_collection_index_bytes", "Index memory (graphs, lists, codes) per collection.", PerCollection);
        _recoverySeconds = factory.CreateGauge("vectorengine_recovery_seconds", "Seconds the last database open (WAL recovery) took.");
        Registry.AddBeforeCollectCallback(Refresh);
    }

    /// <summary>The registry /metrics serves.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Calls by method and status code.</summary>
    public Counter Requests { get; }

    /// <summary>Latency by method.</summary>
    public Histogram Latency { get; }

    /// <summary>Requests answered inside streaming calls, by method and per-message status code.</summary>
    public Counter StreamMessages { get; }

    /// <summary>Per-message latency inside streaming calls, by method.</summary>
    public Histogram StreamMessageLatency { get; }

    private void Refresh()
    {
        if (!_host.IsReady)
        {
            return;
        }

        VectorDatabase database = _host.Database;
        _recoverySeconds.Set(_host.RecoverySeconds);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in database.ListCollections())
        {
            if (!database.TryGetCollection(name, out Collection? collection) || collection is null)
            {
                continue;
            }

            CollectionInfo info = collection.GetInfo();
            seen.Add(name);
            _points.WithLabels(name).Set(info.PointCount);
            _segments.WithLabels(name).Set(info.SegmentCount);
            _deleted.WithLabels(name).Set(info.DeletedPointCount);
            _walBytes.WithLabels(name).Set(info.WalBytes);
            _indexBytes.WithLabels(name).Set(info.IndexMemoryBytes);
        }

        foreach (string gone in _collections.Where(n => !seen.Contains(n)))
        {
            foreach (Gauge gauge in new[] { _points, _segments, _deleted, _walBytes, _indexBytes })
            {
                gauge.RemoveLabelled(gone);
            }

            _engine.Forget(gone);
        }

        _collections = seen;
    }

    /// <summary>Stops listening to the engine's meters.</summary>
    public void Dispose() => _engine.Dispose();
}
