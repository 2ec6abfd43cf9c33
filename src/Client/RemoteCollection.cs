using Grpc.Core;
using VectorEngine.Api.V1;
using VectorEngine.Protocol;
using VectorEngine.Protocol.Mapping;
using EngineFilter = VectorEngine.Filters.Filter;

namespace VectorEngine.Client;

/// <summary>
/// A collection on a server, with the methods of the embedded <c>Collection</c> as asynchronous calls: the same
/// points, requests and results, so code moves between the two by swapping the handle.
/// </summary>
public sealed class RemoteCollection : IVectorCollection
{
    private readonly VectorEngineClient _client;

    internal RemoteCollection(VectorEngineClient client, string name)
    {
        _client = client;
        Name = name;
    }

    /// <summary>The collection name.</summary>
    public string Name { get; }

    /// <summary>
    /// Counts and sizes, as <c>Collection.GetInfo</c>. On a cluster the point count is over every shard: a shard that
    /// does not answer fails the call (an <see cref="RpcException"/> with status Unavailable: retry it) rather than leave
    /// its points out.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<CollectionInfo> GetInfoAsync(CancellationToken cancellationToken = default)
    {
        GetCollectionInfoResponse response = await VectorEngineClient.Call(() =>
            _client.Collections.GetAsync(new GetCollectionInfoRequest { CollectionName = Name, RequireAll = true }, _client.Headers,
                cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
        return response.Result.ToEngine();
    }

    /// <summary>Inserts or replaces points; the batch is applied whole or not at all.</summary>
    /// <param name="points">The points.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Points written.</returns>
    public async Task<long> UpsertAsync(IReadOnlyList<Point> points, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(points);
        var request = new UpsertPoints { CollectionName = Name, Points = { points.Select(p => p.ToWire()) } };
        PointsOperationResponse response = await Routed(
            map => SingleShard(map, points),
            (client, token) => client.UpsertAsync(request, _client.Headers, cancellationToken: token),
            cancellationToken).ConfigureAwait(false);
        return (long)response.Count;
    }

    /// <summary>Streams batches to the server, each applied whole or not at all, for bulk loads.</summary>
    /// <param name="batches">The batches, in order.</param>
    /// <param name="cancellationToken">Cancels the stream.</param>
    /// <returns>Points written in all.</returns>
    public async Task<long> UpsertStreamAsync(IAsyncEnumerable<IReadOnlyList<Point>> batches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        PointsOperationResponse response = await VectorEngineClient.Call(async () =>
        {
            using AsyncClientStreamingCall<UpsertPoints, PointsOperationResponse> call =
                _client.Points.UpsertStream(_client.Headers, cancellationToken: cancellationToken);
            await foreach (IReadOnlyList<Point> batch in batches.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await call.RequestStream.WriteAsync(new UpsertPoints { CollectionName = Name, Points = { batch.Select(p => p.ToWire()) } },
                    cancellationToken).ConfigureAwait(false);
            }

            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            return await call.ResponseAsync.ConfigureAwait(false);
        }).ConfigureAwait(false);
        return (long)response.Count;
    }

    /// <summary>Deletes points by id; returns how many existed.</summary>
    /// <param name="ids">The ids.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<long> DeleteAsync(IEnumerable<PointId> ids, CancellationToken cancellationToken = default) =>
        Delete(new DeletePoints { CollectionName = Name, Points = new PointsIdsList { Ids = { ids.Select(id => id.ToWire()) } } }, cancellationToken);

    /// <summary>Deletes the points matching a filter; returns how many.</summary>
    /// <param name="filter">The filter.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<long> DeleteAsync(EngineFilter filter, CancellationToken cancellationToken = default) =>
        Delete(new DeletePoints { CollectionName = Name, Filter = filter.ToWire() }, cancellationToken);

    /// <summary>Points by id (missing ids are skipped), as <c>Collection.Get</c>.</summary>
    /// <param name="ids">The ids.</param>
    /// <param name="withPayload">Return payloads.</param>
    /// <param name="withVector">Return vectors.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<PointRecord>> GetAsync(IEnumerable<PointId> ids, bool withPayload = true, bool withVector = false,
        CancellationToken cancellationToken = default)
    {
        var request = new GetPoints { CollectionName = Name, Ids = { ids.Select(id => id.ToWire()) }, WithPayload = withPayload, WithVectors = withVector };
        GetResponse response = await VectorEngineClient.Call(() =>
            _client.Points.GetAsync(request, _client.Headers, cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
        return response.Result.Select(p => p.ToEngine()).ToList();
    }

    /// <summary>
    /// Points matching a filter, counted exactly: on a cluster a shard that does not answer fails the call
    /// (an <see cref="RpcException"/> with status Unavailable: retry it) rather than leave its points out.
    /// </summary>
    /// <param name="filter">The filter; null counts every point.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<long> CountAsync(EngineFilter? filter = null, CancellationToken cancellationToken = default)
    {
        CountResponse response = await VectorEngineClient.Call(() =>
            _client.Points.CountAsync(new CountPoints { CollectionName = Name, Filter = filter.ToWire(), RequireAll = true }, _client.Headers,
                cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
        return (long)response.Count;
    }

    /// <summary>
    /// One page of points in id order, as <c>Collection.Scroll</c>. On a cluster a shard that does not answer fails the
    /// call (an <see cref="RpcException"/> with status Unavailable: retry it) rather than leave its points out of the page.
    /// </summary>
    /// <param name="request">Filter, offset and page size.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<ScrollPage> ScrollAsync(ScrollRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ScrollPoints wire = request.ToWire(Name);
        wire.RequireAll = true;
        ScrollResponse response = await VectorEngineClient.Call(() =>
            _client.Points.ScrollAsync(wire, _client.Headers, cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
        return new ScrollPage(response.Result.Select(p => p.ToEngine()).ToList(), response.NextPageOffset?.ToEngine("next_page_offset"));
    }

    /// <summary>
    /// The nearest points to a vector, as <c>Collection.Search(SearchRequest)</c>. On a cluster every shard the search
    /// covers must answer (from its primary or a caught-up replica): one that does not fails the call (an
    /// <see cref="RpcException"/> with status Unavailable: retry it) rather than return hits that silently lack its
    /// points. A caller that prefers a partial answer uses Points/Search directly, whose response names the missing shards.
    /// </summary>
    /// <param name="request">Vector, limit, filter and parameters.</param>
    /// <param name="cancellationToken">Cancels the call (the server stops the search).</param>
    public async Task<IReadOnlyList<ScoredPoint>> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        SearchPoints wire = request.ToWire(Name);
        wire.RequireAll = true;
        SearchResponse response = await Routed(
            map => map.PinnedShard(request.Filter),
            (client, token) => client.SearchAsync(wire, _client.Headers, cancellationToken: token),
            cancellationToken).ConfigureAwait(false);
        return response.Result.Select(p => p.ToEngine()).ToList();
    }

    /// <summary>A hybrid query (vector and BM25 stages fused), as <c>Collection.Query</c>.</summary>
    /// <param name="query">The stages and the fusion.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<FusedPoint>> QueryAsync(HybridQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        QueryPoints wire = query.ToWire(Name);
        QueryResponse response = await VectorEngineClient.Call(() =>
            _client.Points.QueryAsync(wire, _client.Headers, cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
        return response.Result.Select(p => p.ToEngine()).ToList();
    }

    /// <summary>Opens a search stream on this collection: many searches over one long-lived call, for high rates.</summary>
    /// <param name="cancellationToken">Ends the stream and every search on it.</param>
    public SearchStream OpenSearchStream(CancellationToken cancellationToken = default) =>
        new(_client.Points.SearchStream(_client.Headers, cancellationToken: cancellationToken), Name);

    /// <summary>Several searches in one call, answered in order; on a cluster every shard must answer, as for <see cref="SearchAsync"/>.</summary>
    /// <param name="requests">The searches.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<IReadOnlyList<ScoredPoint>>> SearchBatchAsync(IReadOnlyList<SearchRequest> requests,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var batch = new SearchBatchPoints { CollectionName = Name, Searches = { requests.Select(r => r.ToWire(Name)) }, RequireAll = true };
        SearchBatchResponse response = await VectorEngineClient.Call(() =>
            _client.Points.SearchBatchAsync(batch, _client.Headers, cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
        return response.Result.Select(r => (IReadOnlyList<ScoredPoint>)r.Result.Select(p => p.ToEngine()).ToList()).ToList();
    }

    /// <summary>Seals the mutable segment and builds its index now, as <c>Collection.Checkpoint</c>.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task CheckpointAsync(CancellationToken cancellationToken = default) =>
        VectorEngineClient.Call(() => _client.Collections.CheckpointAsync(new CheckpointCollection { CollectionName = Name }, _client.Headers,
            cancellationToken: cancellationToken).ResponseAsync);

    /// <summary>Writes a snapshot on the server; returns its name.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<string> CreateSnapshotAsync(CancellationToken cancellationToken = default)
    {
        CreateSnapshotResponse response = await VectorEngineClient.Call(() =>
            _client.Snapshots.CreateAsync(new CreateSnapshotRequest { CollectionName = Name }, _client.Headers,
                cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
        return response.SnapshotDescription.Name;
    }

    /// <summary>The snapshots kept on the server for this collection: name, creation time (UTC) and size.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<(string Name, DateTime Created, long Bytes)>> ListSnapshotsAsync(CancellationToken cancellationToken = default)
    {
        ListSnapshotsResponse response = await VectorEngineClient.Call(() =>
            _client.Snapshots.ListAsync(new ListSnapshotsRequest { CollectionName = Name }, _client.Headers,
                cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
        return response.SnapshotDescriptions.Select(s => (s.Name, s.CreationTime.ToDateTime(), (long)s.Size)).ToList();
    }

    /// <summary>Streams a snapshot archive into <paramref name="destination"/>.</summary>
    /// <param name="snapshotName">A name from <see cref="ListSnapshotsAsync"/>.</param>
    /// <param name="destination">Receives the archive's bytes.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    public Task DownloadSnapshotAsync(string snapshotName, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return VectorEngineClient.Call(async () =>
        {
            using AsyncServerStreamingCall<SnapshotChunk> call = _client.Snapshots.Download(
                new DownloadSnapshotRequest { CollectionName = Name, SnapshotName = snapshotName }, _client.Headers,
                cancellationToken: cancellationToken);
            await foreach (SnapshotChunk chunk in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await destination.WriteAsync(chunk.Data.Memory, cancellationToken).ConfigureAwait(false);
            }

            return true;
        });
    }

    private async Task<long> Delete(DeletePoints request, CancellationToken cancellationToken)
    {
        PointsOperationResponse response = await VectorEngineClient.Call(() =>
            _client.Points.DeleteAsync(request, _client.Headers, cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
        return (long)response.Count;
    }

    /// <summary>
    /// A call that touches one shard: with cluster-aware routing it goes straight to the shard's node (and on failure,
    /// after the maps are marked stale, once more to the given node, which routes it: every routed call is idempotent);
    /// otherwise to the given node.
    /// </summary>
    private async Task<T> Routed<T>(Func<Sharding.Placement.ShardMap, int?> shardOf, Func<Api.V1.Points.PointsClient, CancellationToken, AsyncUnaryCall<T>> call,
        CancellationToken cancellationToken)
    {
        if (_client.Routing is { } routing && await routing.OwnerAsync(Name, shardOf, cancellationToken).ConfigureAwait(false) is { } owner)
        {
            try
            {
                using AsyncUnaryCall<T> direct = call(owner, cancellationToken);
                T answer = await direct.ResponseAsync.ConfigureAwait(false);
                routing.Observe(Name, direct.GetTrailers());
                return answer;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.NotFound or StatusCode.DeadlineExceeded && !cancellationToken.IsCancellationRequested)
            {
                routing.Invalidate();
            }
            catch (RpcException e)
            {
                throw StatusMapping.ToException(e);
            }
        }

        return await VectorEngineClient.Call(async () =>
        {
            using AsyncUnaryCall<T> routed = call(_client.Points, cancellationToken);
            T answer = await routed.ResponseAsync.ConfigureAwait(false);
            _client.Routing?.Observe(Name, routed.GetTrailers());
            return answer;
        }).ConfigureAwait(false);
    }

    /// <summary>The shard all of <paramref name="points"/> go to, or null when they span several.</summary>
    private static int? SingleShard(Sharding.Placement.ShardMap map, IReadOnlyList<Point> points)
    {
        int? shard = null;
        foreach (Point point in points)
        {
            int mine = map.ShardOf(point.Id, point.Payload);
            if (shard is { } s && s != mine)
            {
                return null;
            }

            shard = mine;
        }

        return shard;
    }
}
