using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Options;
using VectorEngine.Api.V1;
using VectorEngine.Protocol.Mapping;
using VectorEngine.Filters;
using VectorEngine.Server.Hosting;
using VectorEngine.Server.Observability;
using EngineFusedPoint = VectorEngine.FusedPoint;
using EngineScoredPoint = VectorEngine.ScoredPoint;

namespace VectorEngine.Server.Services;

/// <summary>vectorengine.v1.Points: writes, reads and searches on one collection per call.</summary>
public sealed partial class PointsService : Api.V1.Points.PointsBase
{
    private readonly DatabaseHost _host;
    private readonly ServerOptions _options;
    private readonly ServerMetrics _metrics;
    private readonly ILogger<PointsService> _logger;
    private readonly Cluster.ClusterHost _cluster;

    /// <summary>Creates the service.</summary>
    /// <param name="host">The database.</param>
    /// <param name="options">Limits.</param>
    /// <param name="metrics">Where per-message figures of streams go.</param>
    /// <param name="logger">Where unexpected failures inside streams are logged.</param>
    /// <param name="cluster">The cluster this node belongs to, if any: calls then run on the cluster's collections.</param>
    public PointsService(DatabaseHost host, IOptions<ServerOptions> options, ServerMetrics metrics, ILogger<PointsService> logger, Cluster.ClusterHost cluster)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(cluster);
        _cluster = cluster;
        _host = host;
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
    }

    /// <inheritdoc />
    public override async Task<PointsOperationResponse> Upsert(UpsertPoints request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_cluster.Enabled)
        {
            return await ClusterUpsert(request, context).ConfigureAwait(false);
        }

        var clock = Stopwatch.StartNew();
        long written = await WriteAsync(request, context.CancellationToken).ConfigureAwait(false);
        return new PointsOperationResponse { Count = (ulong)written, Time = clock.Elapsed.TotalSeconds };
    }

    /// <inheritdoc />
    public override async Task<PointsOperationResponse> UpsertStream(IAsyncStreamReader<UpsertPoints> requestStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        var clock = Stopwatch.StartNew();
        long written = 0;
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            written += _cluster.Enabled
                ? await Router.UpsertAsync(requestStream.Current.CollectionName, ToPoints(requestStream.Current), context.CancellationToken).ConfigureAwait(false)
                : await WriteAsync(requestStream.Current, context.CancellationToken).ConfigureAwait(false);
        }

        return new PointsOperationResponse { Count = (ulong)written, Time = clock.Elapsed.TotalSeconds };
    }

    /// <inheritdoc />
    public override async Task<PointsOperationResponse> Delete(DeletePoints request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_cluster.Enabled)
        {
            return await ClusterDelete(request, context).ConfigureAwait(false);
        }

        var clock = Stopwatch.StartNew();
        Collection collection = _host.Database.GetCollection(request.CollectionName);
        int deleted = request.PointsSelectorCase switch
        {
            DeletePoints.PointsSelectorOneofCase.Points => await collection.DeleteAsync(request.Points.Ids.ToEngine("points.ids"), context.CancellationToken).ConfigureAwait(false),
            DeletePoints.PointsSelectorOneofCase.Filter => collection.Delete(CheckDepth(request.Filter, "filter").ToEngine("filter")!),
            _ => throw new VectorEngineArgumentException("points_selector is required: points (ids) or filter.", "points_selector"),
        };
        return new PointsOperationResponse { Count = (ulong)deleted, Time = clock.Elapsed.TotalSeconds };
    }

    /// <inheritdoc />
    public override Task<GetResponse> Get(GetPoints request, ServerCallContext context)
    {
        var clock = Stopwatch.StartNew();
        CheckCount(request.Ids.Count, _options.MaxLimit, "ids");
        if (_cluster.Enabled)
        {
            return ClusterGet(request, context);
        }

        IReadOnlyList<PointRecord> points = _host.Database.GetCollection(request.CollectionName)
            .Get(request.Ids.ToEngine("ids"), request.WithPayload, request.WithVectors);
        var response = new GetResponse { Result = { points.Select(p => p.ToWire()) } };
        response.Time = clock.Elapsed.TotalSeconds;
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override Task<ScrollResponse> Scroll(ScrollPoints request, ServerCallContext context)
    {
        var clock = Stopwatch.StartNew();
        if (request.HasLimit)
        {
            CheckCount(request.Limit, _options.MaxLimit, "limit");
        }

        CheckDepth(request.Filter, "filter");
        if (_cluster.Enabled)
        {
            return ClusterScroll(request, context);
        }

        ScrollPage page = _host.Database.GetCollection(request.CollectionName).Scroll(request.ToEngine("scroll"));
        var response = new ScrollResponse { Result = { page.Points.Select(p => p.ToWire()) }, NextPageOffset = page.NextOffset?.ToWire() };
        response.Time = clock.Elapsed.TotalSeconds;
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override Task<CountResponse> Count(CountPoints request, ServerCallContext context)
    {
        if (_cluster.Enabled)
        {
            return ClusterCount(request, context);
        }

        var clock = Stopwatch.StartNew();
        long count = _host.Database.GetCollection(request.CollectionName).Count(CheckDepth(request.Filter, "filter").ToEngine("filter"));
        return Task.FromResult(new CountResponse { Count = (ulong)count, Time = clock.Elapsed.TotalSeconds });
    }

    /// <inheritdoc />
    public override Task<SearchResponse> Search(SearchPoints request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_cluster.Enabled)
        {
            return ClusterSearch(request, context);
        }

        var clock = Stopwatch.StartNew();
        var response = new SearchResponse();
        SearchResults hits = RunSearch(request, context.CancellationToken);
        foreach (EngineScoredPoint hit in hits)
        {
            response.Result.Add(hit.ToWire());
        }

        response.ColdSkipped = hits.IsPartial;

        response.Time = clock.Elapsed.TotalSeconds;
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override async Task SearchStream(IAsyncStreamReader<SearchPoints> requestStream, IServerStreamWriter<SearchStreamResponse> responseStream,
        ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        CancellationToken cancellation = context.CancellationToken;
        Prometheus.Histogram.Child latency = _metrics.StreamMessageLatency.WithLabels(context.Method);
        while (await requestStream.MoveNext(cancellation).ConfigureAwait(false))
        {
            long start = Stopwatch.GetTimestamp();
            SearchPoints request = requestStream.Current;
            var response = new SearchStreamResponse();
            StatusCode code = StatusCode.OK;
            try
            {
                if (_cluster.Enabled)
                {
                    SearchResponse routed = await ClusterSearch(request, context, stamp: false).ConfigureAwait(false);
                    response.Result.Add(routed.Result);
                    response.Partial.Add(routed.Partial);
                }
                else
                {
                    foreach (EngineScoredPoint hit in RunSearch(request, cancellation))
                    {
                        response.Result.Add(hit.ToWire());
                    }
                }
            }
            catch (Exception e) when (!cancellation.IsCancellationRequested)
            {
                // One bad search is answered with its status; the stream and the searches sent after it go on.
                (Status status, string? field) = ErrorTranslation.Translate(e, context, _logger);
                code = status.StatusCode;
                response.Result.Clear();
                response.Error = new SearchError { Code = (int)code, Message = status.Detail, Field = field ?? string.Empty };
            }

            // Counted before the answer leaves: a caller that reads the metrics after its answer must find it counted.
            response.Time = Stopwatch.GetElapsedTime(start).TotalSeconds;
            _metrics.StreamMessages.WithLabels(context.Method, code.ToString()).Inc();
            latency.Observe(response.Time);
            await responseStream.WriteAsync(response, cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>Checks a search against the server's limits and runs it; the token (the call's deadline or the client
    /// going away) stops the search.</summary>
    private SearchResults RunSearch(SearchPoints request, CancellationToken cancellation)
    {
        CheckCount(request.Limit, _options.MaxLimit, "limit");
        CheckDepth(request.Filter, "filter");
        return _host.Database.GetCollection(request.CollectionName).Search(request.ToEngine("search"), cancellation);
    }

    /// <inheritdoc />
    public override Task<QueryResponse> Query(QueryPoints request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (_cluster.Enabled)
        {
            // Fusing per-shard fused rankings is not one fusion, and BM25 needs collection-wide statistics.
            throw new RpcException(new Status(StatusCode.Unimplemented, "Hybrid queries on cluster collections are not served yet; run the vector and text stages as searches."));
        }

        var clock = Stopwatch.StartNew();
        CheckCount(request.Limit, _options.MaxLimit, "limit");
        CheckDepth(request.Filter, "filter");
        foreach (PrefetchStage stage in request.Prefetch)
        {
            CheckCount(stage.Limit, _options.MaxLimit, "prefetch.limit");
            CheckDepth(stage.Filter, "prefetch.filter");
        }

        var response = new QueryResponse();
        foreach (EngineFusedPoint point in _host.Database.GetCollection(request.CollectionName).Query(request.ToEngine(), context.CancellationToken))
        {
            response.Result.Add(point.ToWire());
        }

        response.Time = clock.Elapsed.TotalSeconds;
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override Task<SearchBatchResponse> SearchBatch(SearchBatchPoints request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var clock = Stopwatch.StartNew();
        CheckCount(request.Searches.Count, _options.MaxBatchSearches, "searches");
        var searches = new List<SearchRequest>(request.Searches.Count);
        for (int i = 0; i < request.Searches.Count; i++)
        {
            CheckCount(request.Searches[i].Limit, _options.MaxLimit, $"searches[{i}].limit");
            CheckDepth(request.Searches[i].Filter, $"searches[{i}].filter");
            if (request.Searches[i].CollectionName is { Length: > 0 } inner && inner != request.CollectionName)
            {
                throw new VectorEngineArgumentException(
                    $"searches[{i}].collection_name '{inner}' differs from the batch's '{request.CollectionName}'; leave it empty.",
                    $"searches[{i}].collection_name");
            }

            searches.Add(request.Searches[i].ToEngine($"searches[{i}]"));
        }

        if (_cluster.Enabled)
        {
            return ClusterSearchBatch(request, searches, context);
        }

        IReadOnlyList<IReadOnlyList<EngineScoredPoint>> results = _host.Database.GetCollection(request.CollectionName)
            .SearchBatch(searches, context.CancellationToken);
        var response = new SearchBatchResponse { Result = { results.Select(r => new BatchResult { Result = { r.Select(h => h.ToWire()) } }) } };
        response.Time = clock.Elapsed.TotalSeconds;
        return Task.FromResult(response);
    }

    /// <summary>Converts and applies one batch, whole or not at all, awaiting the WAL's group commit.</summary>
    private async Task<long> WriteAsync(UpsertPoints request, CancellationToken cancellationToken)
    {
        Collection collection = _host.Database.GetCollection(request.CollectionName);
        Point[] points = ToPoints(request);
        await collection.UpsertAsync(points, cancellationToken).ConfigureAwait(false);
        return points.Length;
    }

    /// <summary>Checks a batch against the server's limits and converts it.</summary>
    private Point[] ToPoints(UpsertPoints request)
    {
        CheckCount(request.Points.Count, _options.MaxBatchPoints, "points");
        var points = new Point[request.Points.Count];
        for (int i = 0; i < points.Length; i++)
        {
            CheckPayloadSize(request.Points[i], i);
            points[i] = request.Points[i].ToEngine($"points[{i}]");
        }

        return points;
    }

    /// <summary>Refuses filters nested deeper than the server allows (counted without recursing past the limit).</summary>
    private Api.V1.Filter? CheckDepth(Api.V1.Filter? filter, string field)
    {
        if (filter is not null && Depth(filter, _options.MaxFilterDepth + 1) > _options.MaxFilterDepth)
        {
            throw new InvalidFilterException($"{field} is nested deeper than the server's limit of {_options.MaxFilterDepth} levels.");
        }

        return filter;
    }

    private static int Depth(Api.V1.Filter filter, int stopAt)
    {
        if (stopAt <= 1)
        {
            return 1;
        }

        int deepest = 0;
        foreach (Api.V1.Condition condition in filter.Must.Concat(filter.Should).Concat(filter.MustNot))
        {
            if (condition.Filter is { } nested)
            {
                deepest = Math.Max(deepest, Depth(nested, stopAt - 1));
            }
        }

        return 1 + deepest;
    }

    private void CheckPayloadSize(PointStruct point, int index)
    {
        long bytes = 0;
        foreach (KeyValuePair<string, Api.V1.Value> pair in point.Payload)
        {
            bytes += System.Text.Encoding.UTF8.GetByteCount(pair.Key) + pair.Value.CalculateSize();
        }

        if (bytes > _options.MaxPayloadBytes)
        {
            throw new VectorEngineArgumentException(
                $"points[{index}].payload: {bytes} bytes exceed the server's limit of {_options.MaxPayloadBytes}.", $"points[{index}].payload");
        }
    }

    private static void CheckCount(ulong count, int limit, string field)
    {
        if (count > (ulong)limit)
        {
            throw new VectorEngineArgumentException($"{field}: {count} exceeds the server's limit of {limit}.", field);
        }
    }

    private static void CheckCount(int count, int limit, string field) => CheckCount((ulong)Math.Max(0, count), limit, field);
}
