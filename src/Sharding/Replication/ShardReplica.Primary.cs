using Microsoft.Extensions.Logging;
using VectorEngine.Api.Cluster.V1;
using VectorEngine.Protocol.Mapping;

namespace VectorEngine.Sharding.Replication;

/// <summary>The primary's side: ordering writes, counting copies, replicating to each replica.</summary>
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

    /// <summary>
    /// Logs a Verify entry: every copy checksums its points when it applies it (so all compare the same state), and a
    /// replica whose checksum differs from this primary's is rebuilt from a snapshot.
    /// </summary>
    public Task<long> VerifyAsync(CancellationToken cancellationToken) => WriteAsync(new LogEntry { Verify = new Verify() }, cancellationToken);

    private async Task AntiEntropyLoopAsync(Term term)
    {
        while (!term.Stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.AntiEntropyInterval, term.Stop.Token).ConfigureAwait(false);
                await VerifyAsync(term.Stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (VectorEngineException e)
            {
                _logger.LogDebug(e, "Shard {Shard}: anti-entropy round not committed; next round retries", Shard);
            }
        }
    }

    /// <summary>Compares a replica's checksum at a Verify entry with this primary's; a mismatch schedules a snapshot of the shard to it.</summary>
    private void CompareChecksum(Peer peer, ReplicateReply reply)
    {
        long lsn = (long)reply.VerifiedLsn;
        if (lsn <= peer.CheckedLsn)
        {
            return;
        }

        ulong mine;
        lock (_gate)
        {
            if (!_ownVerified.TryGetValue(lsn, out mine))
            {
                return;
            }
        }

        peer.CheckedLsn = lsn;
        if (mine != reply.VerifiedChecksum)
        {
            Interlocked.Increment(ref _mismatches);
            _logger.LogWarning("Shard {Shard}: the copy on {Node} differs from the primary's at {Lsn} (checksum {Theirs:x16}, primary {Mine:x16}); rebuilding it from a snapshot",
                Shard, peer.Node, lsn, reply.VerifiedChecksum, mine);
            peer.Next = 0;
        }
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

    /// <summary>
    /// Keeps one replica in step for one term: sends what it lacks (entries, or a snapshot when the log no longer
    /// reaches back that far) and the commit, walks back on a log mismatch, retries an unreachable replica with backoff,
    /// and steps down when the replica has promised a newer epoch.
    /// </summary>
    private async Task ReplicateLoopAsync(Term term, Peer peer)
    {
        CancellationToken stop = peer.Stop.Token;
        TimeSpan backoff = TimeSpan.FromMilliseconds(50);
        long sentCommit = -1;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (peer.Next <= _log.BaseLsn || _log.EpochAt(peer.Next - 1) < 0)
                {
                    await SendSnapshotAsync(term, peer, stop).ConfigureAwait(false);
                    continue;
                }

                long prev = peer.Next - 1;
                IReadOnlyList<LogEntry> entries = _log.Read(peer.Next, _options.BatchBytes);
                long commit = CommitLsn;
                if (entries.Count == 0 && commit == sentCommit && peer.Match == prev)
                {
                    await peer.Signal.WaitAsync(_options.Heartbeat, stop).ConfigureAwait(false);
                    entries = _log.Read(peer.Next, _options.BatchBytes);
                    commit = CommitLsn;
                }

                var request = new ReplicateRequest
                {
                    Shard = Shard.ToWire(),
                    Epoch = (ulong)term.Epoch,
                    Primary = _self,
                    PrevLsn = (ulong)prev,
                    PrevEpoch = (ulong)_log.EpochAt(prev),
                    Commit = (ulong)commit,
                };
                request.Entries.AddRange(entries);
                using var call = CancellationTokenSource.CreateLinkedTokenSource(stop);
                call.CancelAfter(_options.CallTimeout);
                ReplicateReply reply = await _transport.ReplicateAsync(peer.Node, request, call.Token).ConfigureAwait(false);
                backoff = TimeSpan.FromMilliseconds(50);
                if (reply.StaleForEpoch > 0)
                {
                    StepDown($"{peer.Node} promised epoch {reply.StaleForEpoch}");
                    return;
                }

                if (!reply.Matched)
                {
                    peer.Next = Math.Max(1, Math.Min((long)reply.HintLsn, prev));
                    continue;
                }

                peer.Match = (long)reply.LastLsn;
                peer.Next = peer.Match + 1;
                sentCommit = commit;
                AdvanceCommit();
                CompareChecksum(peer, reply);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _logger.LogDebug(e, "Shard {Shard}: replication to {Node} failed; retrying in {Backoff} ms", Shard, peer.Node, backoff.TotalMilliseconds);
                try
                {
                    await Task.Delay(backoff, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromMilliseconds(Math.Min(1000, backoff.TotalMilliseconds * 2));
            }
        }
    }

    /// <summary>
    /// Sends the shard's points as of at least the applied LSN, then the replica continues from that LSN: a snapshot
    /// taken while writes go on holds some later writes too, which replaying the log from there converges (every op
    /// is deterministic on the state it meets).
    /// </summary>
    private async Task SendSnapshotAsync(Term term, Peer peer, CancellationToken stop)
    {
        long lsn, epoch;
        Collection collection;
        lock (_applyGate)
        {
            lsn = _applied;
            epoch = _log.EpochAt(lsn);
            collection = Collection;
        }

        _logger.LogInformation("Shard {Shard}: sending a snapshot at {Lsn} to {Node}", Shard, lsn, peer.Node);
        ReplicateReply reply = await _transport.InstallSnapshotAsync(peer.Node, Chunks(term, collection, lsn, epoch, stop), stop).ConfigureAwait(false);
        if (reply.StaleForEpoch > 0)
        {
            StepDown($"{peer.Node} promised epoch {reply.StaleForEpoch}");
            return;
        }

        peer.Match = lsn;
        peer.Next = lsn + 1;
        AdvanceCommit();
    }

    private async IAsyncEnumerable<SnapshotChunk> Chunks(Term term, Collection collection, long lsn, long epoch, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken stop)
    {
        yield return new SnapshotChunk { Shard = Shard.ToWire(), Epoch = (ulong)term.Epoch, SnapshotLsn = (ulong)lsn, SnapshotEpoch = (ulong)epoch };
        PointId? offset = null;
        long sent = 0;
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        do
        {
            stop.ThrowIfCancellationRequested();
            ScrollPage page = collection.Scroll(new ScrollRequest { Offset = offset, Limit = _options.SnapshotChunkPoints, WithPayload = true, WithVector = true });
            var chunk = new SnapshotChunk();
            foreach (PointRecord point in page.Points)
            {
                chunk.Points.Add(new Point(point.Id, point.Vector!, point.Payload).ToWire());
            }

            yield return chunk;
            offset = page.NextOffset;
            sent += chunk.CalculateSize();
            if (_options.SnapshotBytesPerSecond > 0)
            {
                // Throttle: never ahead of the byte budget for the time spent so far.
                TimeSpan due = TimeSpan.FromSeconds((double)sent / _options.SnapshotBytesPerSecond) - System.Diagnostics.Stopwatch.GetElapsedTime(started);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, stop).ConfigureAwait(false);
                }
            }

            await Task.Yield();
        }
        while (offset is not null);
    }

    /// <summary>One replica as the primary sees it during a term.</summary>
    private sealed class Peer(string node, long next, bool learner, CancellationToken term)
    {
        public string Node { get; } = node;

        /// <summary>A copy being built: replicated to, not counted.</summary>
        public bool Learner { get; } = learner;

        /// <summary>Ends this peer's loop: with the term, or when it stops being a learner of it.</summary>
        public CancellationTokenSource Stop { get; } = CancellationTokenSource.CreateLinkedTokenSource(term);

        /// <summary>The next LSN to send.</summary>
        public long Next { get; set; } = next;

        /// <summary>The LSN up to which the replica's log is known to match this one, durably.</summary>
        public long Match { get; set; }

        /// <summary>The last Verify entry whose checksum from this replica was compared.</summary>
        public long CheckedLsn { get; set; }

        public AsyncSignal Signal { get; } = new();
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
