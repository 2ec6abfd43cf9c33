using Microsoft.Extensions.Logging;
using VectorEngine.Api.Cluster.V1;
using VectorEngine.Sharding.Coordination;
using VectorEngine.Sharding.Placement;

namespace VectorEngine.Sharding.Replication;

/// <summary>
/// The coordinator's failover duty: a shard whose primary's process is gone (its node left the live set, or came
/// back under a new lease: a restart) gets a new primary. The promotion fences before it names: every live copy is
/// asked to refuse the next epoch's predecessors (durably) and says how far its log reaches; with answers from enough
/// copies that every write quorum meets one of them, the copy with the longest log (highest last epoch, then LSN)
/// has every acknowledged write, and is named primary with one compare-and-swap on the collection's record.
/// Its second duty: when a node joins that holds no copy of a collection, the copies the collection's placement now
/// puts there are moved to it; when a node has been gone for <see cref="ReplicationOptions.ReplaceDeadAfter"/>, its
/// copies are re-created on other live nodes (<see cref="RebalancePlan"/>, one move at a time per collection, by a
/// <see cref="ShardMover"/>).
/// </summary>
public sealed class ShardSupervisor : IAsyncDisposable
{
    private readonly ClusterNode _cluster;
    private readonly IReplicationTransport _transport;
    private readonly ReplicationOptions _options;
    private readonly ILogger _logger;
    private readonly AsyncSignal _changed = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly ShardMover _mover;
    private readonly Dictionary<string, Task> _rebalancing = new(StringComparer.Ordinal);

    // Nodes live when this node's supervision began, and nodes that joined since holding no copy of anything (only those
    // receive moves; a joined node is settled once any collection places a copy on it).
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly HashSet<string> _joined = new(StringComparer.Ordinal);
    private bool _started;
    private readonly Dictionary<string, DateTime> _goneSince = new(StringComparer.Ordinal);

    /// <summary>Starts watching; acts only while this node is the coordinator.</summary>
    public ShardSupervisor(ClusterNode cluster, IReplicationTransport transport, ReplicationOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        _cluster = cluster;
        _transport = transport;
        _options = options;
        _logger = logger;
        _mover = new ShardMover(cluster, transport, options, logger);
        cluster.MembersChanged += _changed.Set;
        cluster.CollectionsChanged += _changed.Set;
        cluster.CoordinatorChanged += _ => _changed.Set();
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Moves copies of shards (the operator's MoveShard and this node's rebalancing use it).</summary>
    public ShardMover Mover => _mover;

    /// <summary>Moves finished by this node's rebalancing.</summary>
    public long Moves => Interlocked.Read(ref _moves);

    private long _moves;

    /// <summary>Promotions done by this node.</summary>
    public long Promotions => Interlocked.Read(ref _promotions);

    private long _promotions;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        Task[] moves;
        lock (_rebalancing)
        {
            moves = _rebalancing.Values.ToArray();
        }

        try
        {
            await Task.WhenAll(moves).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    /// <summary>True when the shard's named primary is not a live process bound to it.</summary>
    public static bool NeedsPrimary(ShardAssignment shard, IReadOnlyDictionary<string, ClusterMember> members) =>
        !members.TryGetValue(shard.Primary, out ClusterMember? primary) || primary.Lease != shard.PrimaryLease;

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _changed.WaitAsync(TimeSpan.FromSeconds(1), _stop.Token).ConfigureAwait(false);
                if (_cluster.IsCoordinator)
                {
                    await SweepAsync(_stop.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _logger.LogWarning(e, "Shard supervision pass failed; the next pass retries");
            }
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        foreach (string node in _cluster.Members.Keys)
        {
            if (_seen.Add(node) && _started)
            {
                _joined.Add(node);
            }
        }

        _started = true;
        IReadOnlyDictionary<string, ClusterMember> members = _cluster.Members;
        foreach (string placed in _cluster.Collections.Values.SelectMany(c => c.Map.Shards).SelectMany(s => s.Nodes).Distinct())
        {
            if (members.ContainsKey(placed))
            {
                _goneSince.Remove(placed);
            }
            else
            {
                _goneSince.TryAdd(placed, DateTime.UtcNow);
            }
        }

        _joined.ExceptWith(_cluster.Collections.Values.SelectMany(c => c.Map.Shards).SelectMany(s => s.Nodes.Concat(s.Learners)));
        foreach (ClusterCollection collection in _cluster.Collections.Values)
        {
            foreach (ShardAssignment shard in collection.Map.Shards)
            {
                if (NeedsPrimary(shard, _cluster.Members))
                {
                    await PromoteAsync(collection.Name, shard.ShardId, cancellationToken).ConfigureAwait(false);
                }
            }

            StartRebalancing(collection, cancellationToken);
        }
    }

    private void StartRebalancing(ClusterCollection collection, CancellationToken cancellationToken)
    {
        lock (_rebalancing)
        {
            if (_rebalancing.TryGetValue(collection.Name, out Task? running) && !running.IsCompleted)
            {
                return;
            }

            string[] live = _cluster.Members.Keys.ToArray();
            var dead = _goneSince.Where(g => DateTime.UtcNow - g.Value >= _options.ReplaceDeadAfter).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
            IReadOnlyList<ShardMove> moves = [.. RebalancePlan.ForDeadNodes(collection, live, dead), .. RebalancePlan.ForNewNodes(collection, live, _joined)];
            if (moves.Count == 0)
            {
                return;
            }

            _logger.LogWarning("Collection {Collection}: moving {Count} copies (onto joined nodes, off nodes gone for {After}): {Moves}",
                collection.Name, moves.Count, _options.ReplaceDeadAfter, string.Join(", ", moves));
            _rebalancing[collection.Name] = Task.Run(async () =>
            {
                foreach (ShardMove move in moves)
                {
                    try
                    {
                        await _mover.MoveAsync(collection.Name, move.Shard, move.From, move.To, cancellationToken).ConfigureAwait(false);
                        Interlocked.Increment(ref _moves);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
                    {
                        _logger.LogWarning(e, "Collection {Collection}: move {Move} failed; the next pass plans again", collection.Name, move);
                    }
                }
            }, CancellationToken.None);
        }
    }

    /// <summary>Runs one promotion of <paramref name="shardId"/>; false when it could not (too few copies answered, a race).</summary>
    internal async Task<bool> PromoteAsync(string name, int shardId, CancellationToken cancellationToken)
    {
        ClusterCollection? read = await _cluster.ReadCollectionAsync(name, cancellationToken).ConfigureAwait(false);
        if (read is null || shardId >= read.Map.Shards.Count)
        {
            return false;
        }

        ShardAssignment shard = read.Map.Shards[shardId];
        IReadOnlyDictionary<string, ClusterMember> members = _cluster.Members;
        if (!NeedsPrimary(shard, members))
        {
            return false;
        }

        long epoch = shard.Epoch + 1;
        var copy = new ShardIdentity(name, read.Incarnation, shardId);
        string[] live = shard.Nodes.Where(members.ContainsKey).ToArray();
        var answers = new List<(string Node, long Epoch, long Lsn)>();
        await Task.WhenAll(live.Select(async node =>
        {
            try
            {
                using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                call.CancelAfter(_options.CallTimeout);
                FenceReply reply = await _transport.FenceAsync(node, new FenceRequest { Shard = copy.ToWire(), Epoch = (ulong)epoch }, call.Token).ConfigureAwait(false);
                lock (answers)
                {
                    answers.Add((node, (long)reply.LastEpoch, (long)reply.LastLsn));
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
            {
                _logger.LogInformation("Shard {Shard}: {Node} did not take fence {Epoch}: {Error}", copy, node, epoch, e.Message);
            }
        })).ConfigureAwait(false);

        int needed = read.Replication.PromotionQuorum;
        if (answers.Count < needed)
        {
            _logger.LogWarning("Shard {Shard} has no primary: {Answered} of {Copies} copies answered and {Needed} are needed to be sure no acknowledged write is lost; retrying",
                copy, answers.Count, shard.Nodes.Count, needed);
            return false;
        }

        // The longest log; among equals the earlier in the shard's order (the placement's choice, usually the old primary).
        var best = answers.OrderByDescending(a => a.Epoch).ThenByDescending(a => a.Lsn).ThenBy(a => IndexOf(shard.Nodes, a.Node)).First();
        string[] nodes = [best.Node, .. shard.Nodes.Where(n => n != best.Node)];
        ShardAssignment promoted = shard with { Nodes = nodes, Epoch = epoch, PrimaryLease = members[best.Node].Lease };
        ShardAssignment[] shards = read.Map.Shards.Select(s => s.ShardId == shardId ? promoted : s).ToArray();
        if (await _cluster.TryUpdateShardsAsync(read, shards, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }

        Interlocked.Increment(ref _promotions);
        _logger.LogWarning("Shard {Shard}: {Node} promoted to primary at epoch {Epoch} (log {LastEpoch}:{Lsn}; old primary {Old})",
            copy, best.Node, epoch, best.Epoch, best.Lsn, shard.Primary);
        return true;
    }

    private static int IndexOf(IReadOnlyList<string> nodes, string node)
    {
        for (int i = 0; i < nodes.Count; i++)
        {
            if (nodes[i] == node)
            {
                return i;
            }
        }

        return int.MaxValue;
    }
}
