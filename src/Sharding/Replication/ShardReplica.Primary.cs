using Microsoft.Extensions.Logging;
using VectorEngine.Api.Cluster.V1;
using VectorEngine.Protocol.Mapping;

namespace VectorEngine.Sharding.Replication;

/// <summary>The primary's side: taking the role, ordering writes, counting copies, committing (streaming to replicas and anti-entropy live beside it).</summary>
internal sealed partial class ShardReplica
{
    /// <summary>
    /// Acts as the shard's primary under <paramref name="epoch"/> (named so in etcd by the coordinator, bound to this
    /// process's lease), replicating to <paramref name="replicas"/>. Logs a no-op of the new epoch first: once that is
    /// on enough copies, everything before it is committed too. Idempotent for the epoch it already holds; refused
    /// (no-op) for an epoch below one this copy promised to a coordinator.
    /// </summary>
    public void BecomePrimary(long epoch, IReadOnlyList<string> replicas, int writeConsistency, IReadOnlyList<string>? learners = null)
    {
        learners ??= [];
        Term? previous;
        Term term;
        lock (_gate)
        {
            if (_disposed || _broken is not null)
            {
                return;
            }

            if (_term is { } current && current.Epoch == epoch)
            {
                current.WriteConsistency = writeConsistency;
                UpdateLearnersLocked(current, learners);
                return;
            }

            if (epoch < _log.PromisedEpoch)
            {
                return;
            }

            previous = _term;
            long noOp = _log.LastLsn + 1;
            LogEntry entry = LogOps.NoOp();
            entry.Lsn = (ulong)noOp;
            entry.Epoch = (ulong)epoch;
            try
            {
                _log.Promise(epoch);
                _log.Append([entry]);
            }
            catch (IOException e)
            {
                _ = Fail(e);
                return;
            }

            FailWaitersLocked("the shard's primary changed");
            term = new Term(epoch, writeConsistency, noOp);
            foreach (string node in replicas)
            {
                // Optimistic: the replica is taken to hold everything before the no-op; a mismatch walks back.
                term.Peers[node] = new Peer(node, noOp, learner: false, term.Stop.Token);
            }

            foreach (string node in learners.Where(n => !term.Peers.ContainsKey(n)))
            {
                term.Peers[node] = new Peer(node, noOp, learner: true, term.Stop.Token);
            }

            _term = term;
            _followerCaughtUp = false;
        }

        if (previous is not null)
        {
            _ = previous.StopAsync();
        }

        try
        {
            _log.Sync(term.NoOpLsn);
        }
        catch (IOException e)
        {
            _ = Fail(e);
            return;
        }

        _logger.LogInformation("Shard {Shard}: primary on {Node} at epoch {Epoch} (log ends at {Lsn}, replicas {Replicas})", Shard, _self, epoch, term.NoOpLsn, string.Join(",", replicas));
        foreach (Peer peer in term.Peers.Values)
        {
            term.Loops.Add(Task.Run(() => ReplicateLoopAsync(term, peer)));
        }

        if (_options.AntiEntropyInterval > TimeSpan.Zero && term.Peers.Count > 0)
        {
            term.Loops.Add(Task.Run(() => AntiEntropyLoopAsync(term)));
        }

        AdvanceCommit();
    }

    /// <summary>Starts replicating to learners added during the term; stops for learners removed (their move was abandoned).</summary>
    private void UpdateLearnersLocked(Term term, IReadOnlyList<string> learners)
    {
        foreach (Peer gone in term.Peers.Values.Where(p => p.Learner && !learners.Contains(p.Node)).ToArray())
        {
            term.Peers.Remove(gone.Node);
            gone.Stop.Cancel();
        }

        foreach (string node in learners.Where(n => !term.Peers.ContainsKey(n)))
        {
            var peer = new Peer(node, _log.LastLsn + 1, learner: true, term.Stop.Token);
            term.Peers[node] = peer;
            term.Loops.Add(Task.Run(() => ReplicateLoopAsync(term, peer)));
            _logger.LogInformation("Shard {Shard}: building a copy on {Node}", Shard, node);
        }
    }

    /// <summary>Stops acting as primary (another copy was named, or a copy answered with a newer epoch).</summary>
    public void StepDown(string why)
    {
        Term? term;
        lock (_gate)
        {
            term = _term;
            if (term is null)
            {
                return;
            }

            _term = null;
            FailWaitersLocked($"the primary stepped down ({why})");
        }

        _logger.LogInformation("Shard {Shard}: {Node} steps down as primary of epoch {Epoch}: {Why}", Shard, _self, term.Epoch, why);
        _ = term.StopAsync();
    }

    /// <summary>
    /// Logs a write, replicates it and returns once it is committed and applied here: the result of the op (points
    /// written or deleted).
    /// </summary>
    /// <exception cref="VectorEngineException">Unavailable: this copy is not the primary, or not enough copies had it in time.</exception>
    public async Task<long> WriteAsync(LogEntry op, CancellationToken cancellationToken)
    {
        TaskCompletionSource<long> done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        long lsn;
        Term term;
        lock (_gate)
        {
            term = _term ?? throw NotPrimary();
            if (_broken is { } broken)
            {
                throw new VectorEngineException(VectorEngineErrorKind.Unavailable, $"Shard {Shard} on {_self} stopped: {broken.Message}");
            }

            lsn = _log.LastLsn + 1;
            op.Lsn = (ulong)lsn;
            op.Epoch = (ulong)term.Epoch;
            try
            {
                _log.Append([op]);
            }
            catch (IOException e)
            {
                throw Fail(e);
            }

            _waiters[lsn] = done;
        }

        try
        {
            _log.Sync(lsn);
        }
        catch (IOException e)
        {
            throw Fail(e);
        }

        foreach (Peer peer in term.Peers.Values)
        {
            peer.Signal.Set();
        }

        AdvanceCommit();
        try
        {
            return await done.Task.WaitAsync(_options.WriteTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new VectorEngineException(VectorEngineErrorKind.Unavailable,
                $"Shard {Shard}: too few copies ({term.WriteConsistency} needed) held the write within {_options.WriteTimeout.TotalSeconds:0.#} s; it may still be applied (retrying the same ids is safe).");
        }
    }

    /// <summary>Upserts points through the log.</summary>
    public Task<long> UpsertAsync(IReadOnlyList<Point> points, CancellationToken cancellationToken)
    {
        Collection.Options.ValidatePoints(points);
        return WriteAsync(LogOps.Upsert(points), cancellationToken);
    }

    /// <summary>Deletes by ids or by filter through the log.</summary>
    public Task<long> DeleteAsync(IReadOnlyList<PointId>? ids, Filters.Filter? filter, CancellationToken cancellationToken) =>
        WriteAsync(ids is not null ? LogOps.Delete(ids) : LogOps.Delete(filter!), cancellationToken);

    /// <summary>
    /// For a majority read: confirms this copy is still the shard's primary — enough copies (write consistency, itself
    /// included) answer a heartbeat of its epoch without having promised a newer one — and that everything committed
    /// when the read began is applied. Then the collection reflects every acknowledged write.
    /// </summary>
    /// <exception cref="VectorEngineException">Unavailable: not the primary, deposed, or too few copies answered.</exception>
    public async Task<Collection> ConfirmPrimaryAsync(CancellationToken cancellationToken)
    {
        Term term;
        long readIndex;
        Peer[] voters;
        lock (_gate)
        {
            term = _term ?? throw NotPrimary();
            readIndex = _commit;
            voters = term.Peers.Values.Where(p => !p.Learner).ToArray();
        }

        int needed = term.WriteConsistency - 1;
        int confirmed = 0;
        if (needed > 0)
        {
            using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, term.Stop.Token);
            call.CancelAfter(_options.CallTimeout);
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            int answered = 0;
            foreach (Peer peer in voters)
            {
                _ = Task.Run(async () =>
                {
                    try
                    {
                        long prev = Math.Max(Math.Min(peer.Match, _log.LastLsn), _log.BaseLsn);
                        ReplicateReply reply = await _transport.ReplicateAsync(peer.Node, new ReplicateRequest
                        {
                            Shard = Shard.ToWire(),
                            Epoch = (ulong)term.Epoch,
                            Primary = _self,
                            PrevLsn = (ulong)prev,
                            PrevEpoch = (ulong)Math.Max(0, _log.EpochAt(prev)),
                            Commit = (ulong)CommitLsn,
                        }, call.Token).ConfigureAwait(false);
                        if (reply.StaleForEpoch > 0)
                        {
                            StepDown($"{peer.Node} promised epoch {reply.StaleForEpoch}");
                        }
                        else if (Interlocked.Increment(ref confirmed) >= needed)
                        {
                            done.TrySetResult();
                        }
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        _logger.LogDebug(e, "Shard {Shard}: {Node} did not confirm the primary for a majority read", Shard, peer.Node);
                    }
                    finally
                    {
                        if (Interlocked.Increment(ref answered) == voters.Length)
                        {
                            done.TrySetResult();
                        }
                    }
                }, CancellationToken.None);
            }

            if (voters.Length > 0)
            {
                await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            if (Volatile.Read(ref confirmed) < needed || !IsPrimary)
            {
                throw new VectorEngineException(VectorEngineErrorKind.Unavailable,
                    $"Shard {Shard}: {_self} could not confirm it is still primary ({Volatile.Read(ref confirmed) + 1} of {term.WriteConsistency} copies answered); a majority read needs that.");
            }
        }

        // Everything committed when the read began must be visible.
        for (int wait = 0; AppliedLsn < readIndex; wait++)
        {
            if (wait > 1_000 || _broken is not null)
            {
                throw new VectorEngineException(VectorEngineErrorKind.Unavailable, $"Shard {Shard}: committed writes are not applied yet; retry.");
            }

            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }

        return Collection;
    }

    private VectorEngineException NotPrimary() => new(VectorEngineErrorKind.Unavailable,
        $"{_self} is not the primary of shard {Shard} (it changed, or is being chosen); retry.");

    /// <summary>Raises the commit to the highest own-epoch LSN that enough copies hold, then applies.</summary>
    private void AdvanceCommit()
    {
        bool advanced = false;
        Term? term;
        lock (_gate)
        {
            term = _term;
            if (term is null)
            {
                return;
            }

            var held = new List<long>(term.Peers.Count + 1) { _log.DurableLsn };
            foreach (Peer peer in term.Peers.Values)
            {
                if (!peer.Learner)
                {
                    held.Add(peer.Match);
                }
            }

            if (held.Count >= term.WriteConsistency)
            {
                held.Sort((a, b) => b.CompareTo(a));
                long candidate = held[term.WriteConsistency - 1];

                // Only entries of this epoch are counted (at or after its no-op); older ones commit with them.
                if (candidate > _commit && candidate >= term.NoOpLsn)
                {
                    _commit = candidate;
                    advanced = true;
                }
            }
        }

        if (advanced)
        {
            ApplyCommitted();
            foreach (Peer peer in term.Peers.Values)
            {
                peer.Signal.Set();
            }
        }
    }

    /// <summary>One epoch as primary: its replication loops stop together when it ends.</summary>
    private sealed class Term(long epoch, int writeConsistency, long noOpLsn)
    {
        public long Epoch { get; } = epoch;

        public int WriteConsistency { get; set; } = writeConsistency;

        /// <summary>The epoch's first entry: commits count from here.</summary>
        public long NoOpLsn { get; } = noOpLsn;

        public Dictionary<string, Peer> Peers { get; } = new(StringComparer.Ordinal);

        public List<Task> Loops { get; } = [];

        public CancellationTokenSource Stop { get; } = new();

        public async Task StopAsync()
        {
            await Stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(Loops).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
