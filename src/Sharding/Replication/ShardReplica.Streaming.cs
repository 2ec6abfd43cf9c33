using Microsoft.Extensions.Logging;
using VectorEngine.Api.Cluster.V1;
using VectorEngine.Protocol.Mapping;

namespace VectorEngine.Sharding.Replication;

/// <summary>The primary's replication to each replica: log entries, commits and heartbeats, or a snapshot.</summary>
internal sealed partial class ShardReplica
{
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
}
