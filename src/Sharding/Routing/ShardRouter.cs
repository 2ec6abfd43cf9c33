using Microsoft.Extensions.Logging;
using VectorEngine.Filters;
using VectorEngine.Sharding.Coordination;
using VectorEngine.Sharding.Placement;

namespace VectorEngine.Sharding.Routing;

/// <summary>
/// Runs a client's call on a cluster collection from whichever node received it: writes are split per shard and sent
/// to each shard's primary (each part whole or not at all); reads fan out to every shard, or only to the shard a
/// filter pins with a match on the shard key, under the call's deadline, and merge. A shard whose node is down or
/// does not answer in time is named in the answer's partial list instead of failing the read, unless all are required.
/// </summary>
public sealed class ShardRouter
{
    /// <summary>How many times in all a write is run when the name keeps being created again under it.</summary>
    private const int MaxWriteAttempts = 3;

    private readonly ClusterNode _cluster;
    private readonly IShardTransport _transport;
    private readonly ILogger _logger;
    private readonly ReadFanOut _reads;

    /// <summary>Creates the router.</summary>
    public ShardRouter(ClusterNode cluster, IShardTransport transport, ILogger logger)
    {
        _cluster = cluster;
        _transport = transport;
        _logger = logger;
        _reads = new ReadFanOut(cluster, logger);
    }

    /// <summary>Hedged reads sent: a copy was slower than its shards' recent 95th percentile, so the next copy was asked too.</summary>
    public long HedgesSent => _reads.HedgesSent;

    /// <summary>Hedged reads whose answer came first.</summary>
    public long HedgesWon => _reads.HedgesWon;

    /// <summary>
    /// The cluster collection: from this node's watched view, else read from etcd (a collection another node created a
    /// moment ago, before the watch delivered it).
    /// </summary>
    /// <exception cref="CollectionNotFoundException">No such collection in the cluster.</exception>
    public async Task<ClusterCollection> GetAsync(string collection, CancellationToken cancellationToken) =>
        _cluster.Collections.GetValueOrDefault(collection)
        ?? await _cluster.ReadCollectionAsync(collection, cancellationToken).ConfigureAwait(false)
        ?? throw new CollectionNotFoundException(collection);

    /// <summary>
    /// Writes points; returns how many. The whole batch is checked (vectors, payload values, shard keys) before anything
    /// is sent, so bad input fails it everywhere and writes nothing.
    /// </summary>
    /// <exception cref="VectorEngineArgumentException">A bad point (nothing was written anywhere).</exception>
    /// <exception cref="MissingShardKeyException">A point lacks the shard key (nothing was written anywhere).</exception>
    /// <exception cref="ShardWriteException">Some shards' parts were not applied.</exception>
    public Task<long> UpsertAsync(string collection, IReadOnlyList<Point> points, CancellationToken cancellationToken) =>
        ConfirmedWriteAsync(collection, async definition =>
        {
            definition.Options.ValidatePoints(points);
            var parts = new Dictionary<int, List<Point>>();
            foreach (Point point in points)
            {
                int shard = definition.Map.ShardOf(point.Id, point.Payload);
                if (!parts.TryGetValue(shard, out List<Point>? part))
                {
                    parts[shard] = part = [];
                }

                part.Add(point);
            }

            await WriteAsync(definition, parts.Keys, shard => _transport.UpsertAsync(Primary(definition, shard), collection, definition.Incarnation, shard, parts[shard], cancellationToken)).ConfigureAwait(false);
            return (long)points.Count;
        }, cancellationToken);

    /// <summary>Deletes by ids or by filter on every shard that can hold them; returns how many went.</summary>
    /// <exception cref="ShardWriteException">Some shards did not apply the delete.</exception>
    public Task<long> DeleteAsync(string collection, IReadOnlyList<PointId>? ids, Filter? filter, CancellationToken cancellationToken) =>
        ConfirmedWriteAsync(collection, async definition =>
        {
            IReadOnlyList<int> shards = ids is not null && definition.Map.ShardKey is null
                ? ids.Select(id => definition.Map.ShardOf(StableHash.Of(id))).Distinct().ToArray()
                : PinnedShard(definition, filter) is { } pinned ? [pinned] : AllShards(definition);
            long deleted = 0;
            await WriteAsync(definition, shards, async shard =>
            {
                IReadOnlyList<PointId>? mine = ids is not null && definition.Map.ShardKey is null
                    ? ids.Where(id => definition.Map.ShardOf(StableHash.Of(id)) == shard).ToArray()
                    : ids;
                Interlocked.Add(ref deleted, await _transport.DeleteAsync(Primary(definition, shard), collection, definition.Incarnation, [shard], mine, filter, cancellationToken).ConfigureAwait(false));
            }).ConfigureAwait(false);
            return deleted;
        }, cancellationToken);

    /// <summary>The best hits over the shards that answered.</summary>
    /// <param name="collection">The collection.</param>
    /// <param name="request">The search.</param>
    /// <param name="requireAll">Fail rather than answer without a shard.</param>
    /// <param name="answerWithin">
    /// How long shards have to answer (a share of the caller's deadline): a shard still silent then is partial, so a
    /// hung node costs the answer its shards, not the whole call. Null: until the caller's token.
    /// </param>
    /// <param name="cancellationToken">The caller's call.</param>
    /// <param name="majority">
    /// Read consistency majority: every shard answers as its primary after a quorum confirmed its epoch (every
    /// acknowledged write is seen); false: a caught-up copy, primary first.
    /// </param>
    public async Task<RoutedResult<IReadOnlyList<ScoredPoint>>> SearchAsync(string collection, SearchRequest request, bool requireAll, CancellationToken cancellationToken, TimeSpan? answerWithin = null,
        bool majority = false)
    {
        if (request.Text is not null && request.Vector is { Length: 0 })
        {
            throw new VectorEngineArgumentException("Searches by text are served by standalone servers only for now; send a vector to a cluster.", "text");
        }

        ClusterCollection definition = await GetAsync(collection, cancellationToken).ConfigureAwait(false);
        var answers = new List<IReadOnlyList<ScoredPoint>>();
        IReadOnlyList<int> partial = await FanOutAsync(definition, request.Filter, requireAll, majority,
            (node, shards, token) => _transport.SearchAsync(node, collection, definition.Incarnation, shards, request, token, majority),
            hits =>
            {
                lock (answers)
                {
                    answers.Add(hits);
                }
            }, answerWithin, cancellationToken).ConfigureAwait(false);
        return new RoutedResult<IReadOnlyList<ScoredPoint>>(ResultMerge.TopK(answers, request.Limit, definition.Options.Metric), partial);
    }

    /// <summary>Points matching the filter over the shards that answered (<paramref name="majority"/> as for a search).</summary>
    public async Task<RoutedResult<long>> CountAsync(string collection, Filter? filter, bool requireAll, CancellationToken cancellationToken, TimeSpan? answerWithin = null, bool majority = false)
    {
        ClusterCollection definition = await GetAsync(collection, cancellationToken).ConfigureAwait(false);
        long count = 0;
        IReadOnlyList<int> partial = await FanOutAsync(definition, filter, requireAll, majority,
            (node, shards, token) => _transport.CountAsync(node, collection, definition.Incarnation, shards, filter, token, majority),
            counted => Interlocked.Add(ref count, counted), answerWithin, cancellationToken).ConfigureAwait(false);
        return new RoutedResult<long>(count, partial);
    }

    /// <summary>Checkpoints every live copy of every shard (each node seals and indexes its copies); fails unless every shard's primary did.</summary>
    public async Task CheckpointAsync(string collection, CancellationToken cancellationToken)
    {
        ClusterCollection definition = await GetAsync(collection, cancellationToken).ConfigureAwait(false);
        IReadOnlyDictionary<string, ClusterMember> members = _cluster.Members;
        var byNode = definition.Map.Shards
            .SelectMany(shard => shard.Nodes.Where(members.ContainsKey).Select(node => (Node: node, Shard: shard)))
            .GroupBy(copy => copy.Node);
        await Task.WhenAll(byNode.Select(async group =>
        {
            try
            {
                await _transport.CheckpointAsync(group.Key, collection, definition.Incarnation, group.Select(c => c.Shard.ShardId).ToArray(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsUnavailable(e) && group.All(c => c.Shard.Primary != group.Key))
            {
                _logger.LogDebug(e, "Replica copies on {Node} were not checkpointed", group.Key);
            }
        })).ConfigureAwait(false);
    }

    /// <summary>One page in id order over the shards that answered, with the offset of the next page.</summary>
    public async Task<RoutedResult<ScrollPage>> ScrollAsync(string collection, ScrollRequest request, bool requireAll, CancellationToken cancellationToken, TimeSpan? answerWithin = null,
        bool majority = false)
    {
        ClusterCollection definition = await GetAsync(collection, cancellationToken).ConfigureAwait(false);

        // One more than the page from every shard: if the merge has more than a page, the extra one starts the next.
        ScrollRequest wider = request with { Limit = request.Limit + 1 };
        var pages = new List<IReadOnlyList<PointRecord>>();
        IReadOnlyList<int> partial = await FanOutAsync(definition, request.Filter, requireAll, majority,
            (node, shards, token) => _transport.ScrollAsync(node, collection, definition.Incarnation, shards, wider, token, majority),
            page =>
            {
                lock (pages)
                {
                    pages.Add(page);
                }
            }, answerWithin, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<PointRecord> merged = ResultMerge.ById(pages, request.Limit + 1);
        PointId? next = merged.Count > request.Limit ? merged[request.Limit].Id : (PointId?)null;
        return new RoutedResult<ScrollPage>(new ScrollPage(merged.Take(request.Limit).ToArray(), next), partial);
    }

    /// <summary>The shard a filter pins with a top-level must-match on the shard key, or null when it pins none.</summary>
    public static int? PinnedShard(ClusterCollection definition, Filter? filter) => definition.Map.PinnedShard(filter);

    /// <summary>
    /// Runs a write with this node's definition, then confirms in etcd that the incarnation it wrote to still stands
    /// before acknowledging it. This node's view (and the primaries') may lag a drop and a create made through another
    /// node: a copy of the dropped incarnation not yet removed would take the write, and the removal would then lose it
    /// after it was acknowledged. A write that finds the name created again is run once more on the new incarnation
    /// (upserts and deletes are idempotent); one that finds it dropped fails with not-found. The price is one etcd read
    /// per write call (0.4-0.8 ms on loopback), and writes fail Unavailable while etcd cannot be reached.
    /// </summary>
    private async Task<long> ConfirmedWriteAsync(string collection, Func<ClusterCollection, Task<long>> write, CancellationToken cancellationToken)
    {
        ClusterCollection definition = await GetAsync(collection, cancellationToken).ConfigureAwait(false);
        for (int attempt = 1; ; attempt++)
        {
            long result = 0;
            ShardWriteException? failure = null;
            try
            {
                result = await write(definition).ConfigureAwait(false);
            }
            catch (ShardWriteException e)
            {
                failure = e;
            }

            ClusterCollection? stored;
            try
            {
                stored = await _cluster.ReadCollectionAsync(collection, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsUnavailable(e) && !cancellationToken.IsCancellationRequested)
            {
                throw new VectorEngineException(VectorEngineErrorKind.Unavailable,
                    $"The write to '{collection}' ran, but etcd could not confirm that the collection was not dropped meanwhile, so it is not acknowledged; retrying it is safe.", e);
            }

            _cluster.Observe(collection, definition.Incarnation, stored);
            if (stored is null)
            {
                throw new CollectionNotFoundException(collection);
            }

            if (stored.Incarnation == definition.Incarnation)
            {
                return failure is null ? result : throw failure;
            }

            if (attempt == MaxWriteAttempts)
            {
                throw new VectorEngineException(VectorEngineErrorKind.Unavailable,
                    $"Collection '{collection}' was dropped and created again {attempt} times while this write ran; retry it.");
            }

            _logger.LogInformation("A write to {Collection} was routed with incarnation {Old}; the name now holds {New}: written again", collection, definition.Incarnation, stored.Incarnation);
            definition = stored;
        }
    }

    private async Task WriteAsync(ClusterCollection definition, IEnumerable<int> shards, Func<int, Task> write)
    {
        var applied = new List<int>();
        var failed = new Dictionary<int, string>();
        await Task.WhenAll(shards.Select(async shard =>
        {
            try
            {
                if (Replication.ShardSupervisor.NeedsPrimary(definition.Map.Shards[shard], _cluster.Members))
                {
                    throw new VectorEngineException(VectorEngineErrorKind.Unavailable, $"shard {shard}'s primary {Primary(definition, shard)} is down or restarting; a new one is being chosen");
                }

                await write(shard).ConfigureAwait(false);
                lock (applied)
                {
                    applied.Add(shard);
                }
            }
            catch (Exception e) when (IsUnavailable(e))
            {
                lock (applied)
                {
                    failed[shard] = e.Message;
                }
            }
        })).ConfigureAwait(false);
        if (failed.Count > 0)
        {
            throw new ShardWriteException(definition.Name, applied, failed);
        }
    }

    /// <summary>Runs a read on one copy of every shard it is asked of (hedged, with fallback); returns the shards no copy answered.</summary>
    private async Task<IReadOnlyList<int>> FanOutAsync<T>(ClusterCollection definition, Filter? filter, bool requireAll, bool majority, Func<string, IReadOnlyList<int>, CancellationToken, Task<T>> call,
        Action<T> accept, TimeSpan? answerWithin, CancellationToken cancellationToken)
    {
        IReadOnlyList<int> shards = PinnedShard(definition, filter) is { } pinned ? [pinned] : AllShards(definition);
        IReadOnlyList<int> missing = await _reads.RunAsync(definition, shards, call, accept, answerWithin, cancellationToken, majority).ConfigureAwait(false);
        if (missing.Count > 0 && requireAll)
        {
            throw new VectorEngineException(VectorEngineErrorKind.Unavailable,
                $"Shard(s) {string.Join(", ", missing)} of '{definition.Name}' did not answer and the request requires all shards.");
        }

        return missing;
    }

    private static string Primary(ClusterCollection definition, int shard) => definition.Map.Shards[shard].Primary;

    private static int[] AllShards(ClusterCollection definition) => Enumerable.Range(0, definition.Map.Shards.Count).ToArray();

    /// <summary>Failures that mean "that node did not do it" (down, unreachable, timed out), not "the request is wrong".</summary>
    internal static bool IsUnavailable(Exception e) =>
        e is VectorEngineException { Kind: VectorEngineErrorKind.Unavailable or VectorEngineErrorKind.Closed or VectorEngineErrorKind.StorageFailure }
        || e is OperationCanceledException or TimeoutException
        || (e is Grpc.Core.RpcException rpc && rpc.StatusCode is Grpc.Core.StatusCode.Unavailable or Grpc.Core.StatusCode.DeadlineExceeded or Grpc.Core.StatusCode.Cancelled);
}
