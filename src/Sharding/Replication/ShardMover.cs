using Microsoft.Extensions.Logging;
using VectorEngine.Api.Cluster.V1;
using VectorEngine.Sharding.Coordination;
using VectorEngine.Sharding.Placement;

namespace VectorEngine.Sharding.Replication;

/// <summary>
/// Moves whole shard copies between nodes while reads and writes go on. A move adds the target as a learner (it gets
/// a snapshot and the log from the primary, is not counted for commits and not read from), waits until it has
/// applied what the primary has committed, then flips: it fences the copies at the next epoch (writes pause for a
/// moment), checks that the target's log reaches as far as any fenced copy's, and swaps the source for the target in
/// one compare-and-swap of the collection's record. The source's node drops its copy once it sees the flip.
/// </summary>
public sealed class ShardMover
{
    private const int FlipAttempts = 5;
    private readonly ClusterNode _cluster;
    private readonly IReplicationTransport _transport;
    private readonly ReplicationOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the mover.</summary>
    public ShardMover(ClusterNode cluster, IReplicationTransport transport, ReplicationOptions options, ILogger logger)
    {
        _cluster = cluster;
        _transport = transport;
        _options = options;
        _logger = logger;
    }

    /// <summary>Moves the copy of <paramref name="shardId"/> on <paramref name="from"/> to <paramref name="to"/>; returns the shard after the flip.</summary>
    /// <exception cref="CollectionNotFoundException">No such collection.</exception>
    /// <exception cref="VectorEngineArgumentException">No such shard, no copy on <paramref name="from"/>, a copy already on <paramref name="to"/>, or <paramref name="to"/> not live.</exception>
    /// <exception cref="VectorEngineException">Unavailable: the new copy did not catch up in time, or the flip kept losing races.</exception>
    public async Task<ShardAssignment> MoveAsync(string name, int shardId, string from, string to, CancellationToken cancellationToken)
    {
        ClusterCollection read = await AddLearnerAsync(name, shardId, from, to, cancellationToken).ConfigureAwait(false);
        var copy = new ShardIdentity(name, read.Incarnation, shardId);
        for (int attempt = 0; attempt < FlipAttempts; attempt++)
        {
            await WaitCaughtUpAsync(copy, to, cancellationToken).ConfigureAwait(false);
            if (await TryFlipAsync(copy, from, to, cancellationToken).ConfigureAwait(false) is { } moved)
            {
                _logger.LogInformation("Shard {Shard}: copy moved from {From} to {To} (nodes {Nodes}, epoch {Epoch})", copy, from, to, string.Join(",", moved.Nodes), moved.Epoch);
                return moved;
            }
        }

        throw new VectorEngineException(VectorEngineErrorKind.Unavailable, $"Shard {copy}: the move from {from} to {to} did not flip after {FlipAttempts} attempts; the new copy stays a learner, retry the move.");
    }

    private async Task<ClusterCollection> AddLearnerAsync(string name, int shardId, string from, string to, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            ClusterCollection read = await _cluster.ReadCollectionAsync(name, cancellationToken).ConfigureAwait(false) ?? throw new CollectionNotFoundException(name);
            if (shardId < 0 || shardId >= read.Map.Shards.Count)
            {
                throw new VectorEngineArgumentException($"Collection '{name}' has shards 0 to {read.Map.Shards.Count - 1}; got {shardId}.", "shard");
            }

            ShardAssignment shard = read.Map.Shards[shardId];
            if (!shard.Nodes.Contains(from))
            {
                throw new VectorEngineArgumentException($"Shard {shardId} of '{name}' has no copy on '{from}' (copies: {string.Join(", ", shard.Nodes)}).", "from_node");
            }

            if (shard.Nodes.Contains(to))
            {
                throw new VectorEngineArgumentException($"Shard {shardId} of '{name}' already has a copy on '{to}'.", "to_node");
            }

            if (!_cluster.Members.ContainsKey(to))
            {
                throw new VectorEngineArgumentException($"Node '{to}' is not live.", "to_node");
            }

            if (shard.Learners.Contains(to))
            {
                return read;
            }

            ShardAssignment learning = shard with { Learners = [.. shard.Learners, to] };
            if (await _cluster.TryUpdateShardsAsync(read, read.Map.Shards.Select(s => s.ShardId == shardId ? learning : s).ToArray(), cancellationToken).ConfigureAwait(false) is { } stored)
            {
                _logger.LogInformation("Shard {Shard} of {Collection}: building a copy on {To} to replace {From}", shardId, name, to, from);
                return stored;
            }

            if (attempt >= 20)
            {
                throw new VectorEngineException(VectorEngineErrorKind.Unavailable, $"Shard {shardId} of '{name}' kept changing; the move was not started.");
            }
        }
    }

    /// <summary>Waits until the learner has applied what the primary has committed (polled; bounded by the move timeout).</summary>
    private async Task WaitCaughtUpAsync(ShardIdentity copy, string to, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.MoveTimeout);
        var request = new CopyStatusRequest { Shard = copy.ToWire() };
        while (true)
        {
            try
            {
                ClusterCollection? read = _cluster.Collections.GetValueOrDefault(copy.Collection);
                string primary = read?.Map.Shards[copy.Shard].Primary ?? throw new CollectionNotFoundException(copy.Collection);
                CopyStatusReply primaryStatus = await _transport.CopyStatusAsync(primary, request, deadline.Token).ConfigureAwait(false);
                CopyStatusReply learner = await _transport.CopyStatusAsync(to, request, deadline.Token).ConfigureAwait(false);
                if (primaryStatus.Primary && learner.AppliedLsn >= primaryStatus.CommitLsn && learner.AppliedLsn > 0)
                {
                    return;
                }
            }
            catch (VectorEngineException e) when (e.Kind == VectorEngineErrorKind.Unavailable && !deadline.IsCancellationRequested)
            {
                _logger.LogDebug(e, "Shard {Shard}: progress of the move not known yet", copy);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new VectorEngineException(VectorEngineErrorKind.Unavailable, $"Shard {copy}: the new copy on {to} did not catch up within {_options.MoveTimeout}.");
            }

            await Task.Delay(200, deadline.Token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Fences the copies and the learner at the next epoch; if the learner's log reaches as far as every fenced copy's,
    /// swaps it in for <paramref name="from"/>; otherwise names the longest log primary again at that epoch (writes go
    /// on) and returns null for another catch-up round.
    /// </summary>
    private async Task<ShardAssignment?> TryFlipAsync(ShardIdentity copy, string from, string to, CancellationToken cancellationToken)
    {
        ClusterCollection read = await _cluster.ReadCollectionAsync(copy.Collection, cancellationToken).ConfigureAwait(false) ?? throw new CollectionNotFoundException(copy.Collection);
        ShardAssignment shard = read.Map.Shards[copy.Shard];
        IReadOnlyDictionary<string, ClusterMember> members = _cluster.Members;
        long epoch = shard.Epoch + 1;
        var answers = new Dictionary<string, (long Epoch, long Lsn)>(StringComparer.Ordinal);
        await Task.WhenAll(shard.Nodes.Append(to).Where(members.ContainsKey).Select(async node =>
        {
            try
            {
                using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                call.CancelAfter(_options.CallTimeout);
                FenceReply reply = await _transport.FenceAsync(node, new FenceRequest { Shard = copy.ToWire(), Epoch = (ulong)epoch }, call.Token).ConfigureAwait(false);
                lock (answers)
                {
                    answers[node] = ((long)reply.LastEpoch, (long)reply.LastLsn);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
            {
                _logger.LogInformation("Shard {Shard}: {Node} did not take fence {Epoch} for the move: {Error}", copy, node, epoch, e.Message);
            }
        })).ConfigureAwait(false);

        var copies = answers.Where(a => shard.Nodes.Contains(a.Key)).ToArray();
        bool quorum = copies.Length >= read.Replication.PromotionQuorum;
        var best = copies.OrderByDescending(a => a.Value.Epoch).ThenByDescending(a => a.Value.Lsn).FirstOrDefault();
        bool caughtUp = quorum && answers.TryGetValue(to, out var learner) && (learner.Epoch, learner.Lsn).CompareTo(best.Value) >= 0;
        ShardAssignment next;
        if (caughtUp)
        {
            // The target replaces the source in place; the old primary stays primary unless it is the one leaving or
            // another copy's log is longer than its own.
            string primary = shard.Primary != from && answers.TryGetValue(shard.Primary, out var old) && old.CompareTo(best.Value) >= 0 ? shard.Primary : to;
            string[] nodes = shard.Nodes.Select(n => n == from ? to : n).ToArray();
            nodes = [primary, .. nodes.Where(n => n != primary)];
            next = shard with { Nodes = nodes, Learners = shard.Learners.Where(l => l != to).ToArray(), Epoch = epoch, PrimaryLease = members[primary].Lease };
        }
        else
        {
            // Not this time: the fence stopped the primary, so a primary is named again at the new epoch and writes go on
            // (the primary itself when it answered: its log holds everything committed; else the longest of a quorum).
            string? primary = answers.ContainsKey(shard.Primary) ? shard.Primary : quorum ? best.Key : null;
            if (primary is null)
            {
                return null;
            }

            next = shard with { Nodes = [primary, .. shard.Nodes.Where(n => n != primary)], Epoch = epoch, PrimaryLease = members[primary].Lease };
        }

        ClusterCollection? stored = await _cluster.TryUpdateShardsAsync(read, read.Map.Shards.Select(s => s.ShardId == copy.Shard ? next : s).ToArray(), cancellationToken).ConfigureAwait(false);
        return stored is not null && caughtUp ? next : null;
    }
}
