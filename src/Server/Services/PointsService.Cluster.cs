using System.Diagnostics;
using Grpc.Core;
using VectorEngine.Api.V1;
using EngineCondition = VectorEngine.Filters.Condition;
using EngineFilter = VectorEngine.Filters.Filter;
using VectorEngine.Protocol.Mapping;
using VectorEngine.Sharding.Routing;

namespace VectorEngine.Server.Services;

/// <summary>The cluster paths: the same checks as alone, then the call runs on the cluster's shards through the router.</summary>
public sealed partial class PointsService
{
    /// <summary>
    /// How long shards have to answer a read: 80% of what is left of the caller's deadline, the rest for merging and
    /// answering, so a hung node yields a partial answer in time instead of the caller's DeadlineExceeded. Null without
    /// a deadline (peer calls are then bounded by Cluster:PeerTimeoutSeconds).
    /// </summary>
    private static TimeSpan? AnswerWithin(ServerCallContext context)
    {
        if (context.Deadline == DateTime.MaxValue)
        {
            return null;
        }

        TimeSpan left = context.Deadline - DateTime.UtcNow;
        return left <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : left * 0.8;
    }

    /// <summary>True for read consistency majority; an unknown value is refused rather than read as "any".</summary>
    private static bool Majority(ReadConsistency consistency) => consistency switch
    {
        ReadConsistency.Any => false,
        ReadConsistency.Majority => true,
        _ => throw new VectorEngineArgumentException($"read_consistency {(int)consistency} is not a read consistency (any, majority).", "read_consistency"),
    };

    private ShardRouter Router => _cluster.Router ?? throw new RpcException(new Status(StatusCode.Unavailable, "This node has not joined its cluster yet; retry shortly."));

    /// <summary>
    /// Tells the caller which shard-map version answered (trailer <c>vectorengine-shard-map-version</c>): a
    /// cluster-aware client reads its maps again when that differs from the one it routed with.
    /// </summary>
    private async Task StampAsync(string collection, ServerCallContext context)
    {
        Sharding.Coordination.ClusterCollection definition = await Router.GetAsync(collection, context.CancellationToken).ConfigureAwait(false);
        context.ResponseTrailers.Add("vectorengine-shard-map-version", definition.Map.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task<PointsOperationResponse> ClusterUpsert(UpsertPoints request, ServerCallContext context)
    {
        var clock = Stopwatch.StartNew();
        Point[] points = ToPoints(request);
        long written = await Router.UpsertAsync(request.CollectionName, points, context.CancellationToken).ConfigureAwait(false);
        await StampAsync(request.CollectionName, context).ConfigureAwait(false);
        return new PointsOperationResponse { Count = (ulong)written, Time = clock.Elapsed.TotalSeconds };
    }

    private async Task<PointsOperationResponse> ClusterDelete(DeletePoints request, ServerCallContext context)
    {
        var clock = Stopwatch.StartNew();
        long deleted = request.PointsSelectorCase switch
        {
            DeletePoints.PointsSelectorOneofCase.Points =>
                await Router.DeleteAsync(request.CollectionName, request.Points.Ids.ToEngine("points.ids"), null, context.CancellationToken).ConfigureAwait(false),
            DeletePoints.PointsSelectorOneofCase.Filter =>
                await Router.DeleteAsync(request.CollectionName, null, CheckDepth(request.Filter, "filter").ToEngine("filter")!, context.CancellationToken).ConfigureAwait(false),
            _ => throw new VectorEngineArgumentException("points_selector is required: points (ids) or filter.", "points_selector"),
        };
        return new PointsOperationResponse { Count = (ulong)deleted, Time = clock.Elapsed.TotalSeconds };
    }

    private async Task<GetResponse> ClusterGet(GetPoints request, ServerCallContext context)
    {
        var clock = Stopwatch.StartNew();
        PointId[] ids = request.Ids.ToEngine("ids");
        var response = new GetResponse();
        if (ids.Length > 0)
        {
            // A page of exactly the asked ids, from every shard (a missing shard would read as missing points: all required).
            var scroll = new ScrollRequest
            {
                Filter = new EngineFilter { Must = { EngineCondition.HasId(ids) } },
                Limit = ids.Length,
                WithPayload = request.WithPayload,
                WithVector = request.WithVectors,
            };
            RoutedResult<ScrollPage> page = await Router.ScrollAsync(request.CollectionName, scroll, requireAll: true, context.CancellationToken, AnswerWithin(context)).ConfigureAwait(false);
            var found = page.Value.Points.ToDictionary(p => p.Id);
            foreach (PointId id in ids.Distinct())
            {
                if (found.TryGetValue(id, out PointRecord? point))
                {
                    response.Result.Add(point.ToWire());
                }
            }
        }

        response.Time = clock.Elapsed.TotalSeconds;
        return response;
    }

    private async Task<ScrollResponse> ClusterScroll(ScrollPoints request, ServerCallContext context)
    {
        var clock = Stopwatch.StartNew();
        RoutedResult<ScrollPage> page = await Router.ScrollAsync(request.CollectionName, request.ToEngine("scroll"), request.RequireAll, context.CancellationToken, AnswerWithin(context),
            Majority(request.ReadConsistency)).ConfigureAwait(false);
        var response = new ScrollResponse
        {
            Result = { page.Value.Points.Select(p => p.ToWire()) },
            NextPageOffset = page.Value.NextOffset?.ToWire(),
            Partial = { page.Partial.Select(s => (uint)s) },
        };
        response.Time = clock.Elapsed.TotalSeconds;
        return response;
    }

    private async Task<CountResponse> ClusterCount(CountPoints request, ServerCallContext context)
    {
        var clock = Stopwatch.StartNew();
        RoutedResult<long> count = await Router.CountAsync(request.CollectionName, CheckDepth(request.Filter, "filter").ToEngine("filter"), request.RequireAll, context.CancellationToken, AnswerWithin(context),
            Majority(request.ReadConsistency)).ConfigureAwait(false);
        return new CountResponse { Count = (ulong)count.Value, Partial = { count.Partial.Select(s => (uint)s) }, Time = clock.Elapsed.TotalSeconds };
    }

    private async Task<SearchResponse> ClusterSearch(SearchPoints request, ServerCallContext context, bool stamp = true)
    {
        var clock = Stopwatch.StartNew();
        CheckCount(request.Limit, _options.MaxLimit, "limit");
        CheckDepth(request.Filter, "filter");
        RoutedResult<IReadOnlyList<ScoredPoint>> hits = await Router.SearchAsync(request.CollectionName, request.ToEngine("search"), request.RequireAll, context.CancellationToken, AnswerWithin(context),
            Majority(request.ReadConsistency)).ConfigureAwait(false);
        if (stamp)
        {
            await StampAsync(request.CollectionName, context).ConfigureAwait(false);
        }

        var response = new SearchResponse { Result = { hits.Value.Select(h => h.ToWire()) }, Partial = { hits.Partial.Select(s => (uint)s) } };
        response.Time = clock.Elapsed.TotalSeconds;
        return response;
    }

    private async Task<SearchBatchResponse> ClusterSearchBatch(SearchBatchPoints request, List<SearchRequest> searches, ServerCallContext context)
    {
        var clock = Stopwatch.StartNew();
        RoutedResult<IReadOnlyList<ScoredPoint>>[] results = await Task.WhenAll(searches.Select(search =>
            Router.SearchAsync(request.CollectionName, search, request.RequireAll, context.CancellationToken, AnswerWithin(context)))).ConfigureAwait(false);
        var response = new SearchBatchResponse
        {
            Result = { results.Select(r => new BatchResult { Result = { r.Value.Select(h => h.ToWire()) } }) },
            Partial = { results.SelectMany(r => r.Partial).Distinct().Order().Select(s => (uint)s) },
        };
        response.Time = clock.Elapsed.TotalSeconds;
        return response;
    }
}
