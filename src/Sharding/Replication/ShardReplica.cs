using Microsoft.Extensions.Logging;
using VectorEngine.Api.Cluster.V1;

namespace VectorEngine.Sharding.Replication;

/// <summary>
/// This node's copy of one shard: its local collection and its replication log, acting as the shard's primary or as
/// a replica. Every write is an entry in the log; a copy applies an entry to its collection only once the entry is
/// committed (held durably by <see cref="Coordination.ReplicationSettings.WriteConsistency"/> copies, counted on entries of the
/// primary's own epoch), so an entry that a later primary drops was never visible anywhere.
/// </summary>
/// <remarks>
/// <para>The parts: this file holds the state both roles share (commit, apply, readiness); <c>ShardReplica.Primary.cs</c>
/// the primary's side (writes, commit counting, one replication loop per replica, snapshots sent);
/// <c>ShardReplica.Follower.cs</c> the replica's side (log matching, fences, snapshots installed).</para>
/// <para>Locks, outermost first: the follow gate (one incoming replication or snapshot at a time), the apply gate (apply
/// order and the collection swap of a snapshot), the state gate (role, commit, peers, waiters; memory only). Log I/O
/// takes the log's own locks.</para>
/// </remarks>
internal sealed partial class ShardReplica : IAsyncDisposable
{
    private readonly ShardLog _log;
    private readonly IReplicationTransport _transport;
    private readonly ReplicationOptions _options;
    private readonly Func<Collection> _recreate;
    private readonly string _self;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Lock _applyGate = new();
    private readonly SemaphoreSlim _followGate = new(1, 1);
    private readonly Dictionary<long, TaskCompletionSource<long>> _waiters = [];
    private Collection _collection;
    private long _commit;
    private long _applied;
    private long _appliedNoted;
    private Term? _term;
    private volatile bool _installing;
    private volatile bool _followerCaughtUp;
    private long _lastHeard;
    private volatile Exception? _broken;
    private (long Lsn, ulong Checksum) _verified;
    private readonly Dictionary<long, ulong> _ownVerified = [];
    private long _mismatches;
    private bool _disposed;

    /// <summary>Opens this node's copy: its collection as recovered, and its log; applied entries resume from the noted point.</summary>
    public ShardReplica(ShardIdentity shard, Collection collection, ShardLog log, Func<Collection> recreate, IReplicationTransport transport, ReplicationOptions options, string self, ILogger logger)
    {
        Shard = shard;
        _collection = collection;
        _log = log;
        _recreate = recreate;
        _transport = transport;
        _options = options;
        _self = self;
        _logger = logger;

        // The collection holds at least what was noted as applied (each apply is durable in its own WAL first), and
        // every entry up to the log's base: compaction only drops applied entries.
        _applied = Math.Clamp(Math.Max(log.ReadAppliedHint(), log.BaseLsn), log.BaseLsn, log.LastLsn);
        _appliedNoted = _applied;
        _commit = _applied;
    }

    /// <summary>Which shard.</summary>
    public ShardIdentity Shard { get; }

    /// <summary>The local collection (replaced whole when a snapshot is installed).</summary>
    public Collection Collection => Volatile.Read(ref _collection);

    /// <summary>True while this copy acts as the shard's primary.</summary>
    public bool IsPrimary
    {
        get
        {
            lock (_gate)
            {
                return _term is not null;
            }
        }
    }

    /// <summary>The epoch this copy acts under as primary, or 0.</summary>
    public long PrimaryEpoch
    {
        get
        {
            lock (_gate)
            {
                return _term?.Epoch ?? 0;
            }
        }
    }

    /// <summary>The last LSN in this copy's log.</summary>
    public long LastLsn => _log.LastLsn;

    /// <summary>The highest LSN applied to the collection.</summary>
    public long AppliedLsn => Interlocked.Read(ref _applied);

    /// <summary>Copies whose checksum differed from this primary's at a Verify entry (each repaired with a snapshot).</summary>
    public long Mismatches => Interlocked.Read(ref _mismatches);

    /// <summary>This copy's checksum at the last Verify entry it applied.</summary>
    public (long Lsn, ulong Checksum) LastVerified
    {
        get
        {
            lock (_gate)
            {
                return _verified;
            }
        }
    }

    /// <summary>Where this copy stands: log end, applied, known commit, role, whether it serves reads.</summary>
    public CopyStatusReply Status()
    {
        bool servesReads = CanServeReads;
        lock (_gate)
        {
            return new CopyStatusReply { LastLsn = (ulong)_log.LastLsn, AppliedLsn = (ulong)_applied, CommitLsn = (ulong)_commit, Primary = _term is not null, ServesReads = servesReads };
        }
    }

    /// <summary>The highest LSN known committed.</summary>
    public long CommitLsn
    {
        get
        {
            lock (_gate)
            {
                return _commit;
            }
        }
    }

    /// <summary>
    /// True when reads may be served here: a primary once its first entry of the epoch is applied (everything earlier
    /// epochs committed is then visible); a replica once it has caught up with its primary's commit, and not while a
    /// snapshot is being installed.
    /// </summary>
    public bool CanServeReads
    {
        get
        {
            if (_installing || _broken is not null)
            {
                return false;
            }

            lock (_gate)
            {
                return _term is { } term
                    ? _applied >= term.NoOpLsn
                    : _followerCaughtUp && System.Diagnostics.Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastHeard)) < _options.ReadStaleness;
            }
        }
    }

    /// <summary>Throws Unavailable unless this copy may serve reads.</summary>
    public Collection ForReads()
    {
        if (!CanServeReads)
        {
            throw new VectorEngineException(VectorEngineErrorKind.Unavailable,
                _broken is { } broken ? $"Shard {Shard} on {_self} stopped: {broken.Message}" : $"The copy of shard {Shard} on {_self} is catching up; ask another copy.");
        }

        return Collection;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Term? term;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            term = _term;
            _term = null;
            FailWaitersLocked("the node is shutting down");
        }

        if (term is not null)
        {
            await term.StopAsync().ConfigureAwait(false);
        }

        await _followGate.WaitAsync().ConfigureAwait(false);
        lock (_applyGate)
        {
            NoteApplied(force: true);
            _log.Dispose();
        }
    }

    /// <summary>Applies every committed entry not applied yet, in order, and completes the writes waiting on them.</summary>
    private void ApplyCommitted()
    {
        lock (_applyGate)
        {
            while (_broken is null)
            {
                long target;
                lock (_gate)
                {
                    target = Math.Min(_commit, _log.LastLsn);
                }

                if (_applied >= target)
                {
                    break;
                }

                Collection collection = Collection;
                for (long lsn = _applied + 1; lsn <= target; lsn++)
                {
                    long result;
                    try
                    {
                        LogEntry entry = _log.Get(lsn);
                        result = LogOps.Apply(collection, entry);
                        if (entry.OpCase == LogEntry.OpOneofCase.Verify)
                        {
                            NoteChecksum(lsn, ShardChecksum.Of(collection));
                        }
                    }
                    catch (Exception e) when (e is VectorEngineException or IOException or ArgumentException)
                    {
                        // A committed entry must apply; skipping it would leave this copy different from the others.
                        _broken = e;
                        _logger.LogCritical(e, "Shard {Shard}: committed entry {Lsn} did not apply; this copy stops until the node restarts", Shard, lsn);
                        lock (_gate)
                        {
                            FailWaitersLocked($"entry {lsn} did not apply: {e.Message}");
                        }

                        return;
                    }

                    Interlocked.Exchange(ref _applied, lsn);
                    Complete(lsn, result);
                }
            }

            NoteApplied(force: false);
            CompactIfLarge();
        }
    }

    private void NoteChecksum(long lsn, ulong checksum)
    {
        lock (_gate)
        {
            _verified = (lsn, checksum);
            if (_term is not null)
            {
                _ownVerified[lsn] = checksum;
                foreach (long old in _ownVerified.Keys.Where(k => k < lsn).OrderByDescending(k => k).Skip(8).ToArray())
                {
                    _ownVerified.Remove(old);
                }
            }
        }
    }

    /// <summary>Notes the applied position every so often (a lower bound is enough: replaying more is harmless).</summary>
    private void NoteApplied(bool force)
    {
        if (_applied > _appliedNoted && (force || _applied - _appliedNoted >= 256))
        {
            try
            {
                _log.WriteAppliedHint(_applied);
                _appliedNoted = _applied;
            }
            catch (IOException e)
            {
                // Only a lower bound for replay at the next open: an older one costs replaying more, nothing else.
                _logger.LogWarning(e, "Shard {Shard}: the applied position was not noted", Shard);
            }
        }
    }

    /// <summary>
    /// Drops applied entries once the log outgrows its retention: up to what every replica has, or past a replica that
    /// lags by more than four times the retention (it gets a snapshot instead).
    /// </summary>
    private void CompactIfLarge()
    {
        long bytes = _log.Bytes;
        if (bytes <= _options.LogRetentionBytes)
        {
            return;
        }

        long upTo = _applied;
        lock (_gate)
        {
            if (_term is { } term && bytes <= 4 * _options.LogRetentionBytes)
            {
                foreach (Peer peer in term.Peers.Values)
                {
                    upTo = Math.Min(upTo, peer.Match);
                }
            }
        }

        if (upTo > _log.BaseLsn)
        {
            NoteApplied(force: true);
            _log.Rebase(upTo, _log.EpochAt(upTo));
            _logger.LogDebug("Shard {Shard}: log compacted up to {Lsn}", Shard, upTo);
        }
    }

    private void Complete(long lsn, long result)
    {
        TaskCompletionSource<long>? waiter;
        lock (_gate)
        {
            if (_waiters.Remove(lsn, out waiter))
            {
                waiter.TrySetResult(result);
            }
        }
    }

    /// <summary>
    /// Stops this copy after a storage error in its log: no more writes, replication or reads here (a failed fsync
    /// cannot be retried into durability); the node's restart recovers the copy from disk and the primary's log.
    /// Returns the Unavailable error for the caller to throw.
    /// </summary>
    private VectorEngineException Fail(IOException error)
    {
        if (_broken is null)
        {
            _broken = error;
            _logger.LogCritical(error, "Shard {Shard}: the replication log failed; this copy stops until the node restarts", Shard);
        }

        Term? term;
        lock (_gate)
        {
            term = _term;
            _term = null;
            FailWaitersLocked($"its replication log failed ({error.Message})");
        }

        if (term is not null)
        {
            _ = term.StopAsync();
        }

        return new VectorEngineException(VectorEngineErrorKind.Unavailable, $"Shard {Shard} on {_self} stopped after a storage error: {error.Message}");
    }

    private VectorEngineException Stopped() =>
        new(VectorEngineErrorKind.Unavailable, $"Shard {Shard} on {_self} stopped: {_broken?.Message}; it recovers when the node restarts.");

    private void FailWaitersLocked(string why)
    {
        foreach (TaskCompletionSource<long> waiter in _waiters.Values)
        {
            waiter.TrySetException(new VectorEngineException(VectorEngineErrorKind.Unavailable,
                $"Shard {Shard}: {why}; the write may or may not have been applied (retrying the same ids is safe)."));
        }

        _waiters.Clear();
    }
}
