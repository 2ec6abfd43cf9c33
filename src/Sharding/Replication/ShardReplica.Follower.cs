using Microsoft.Extensions.Logging;
using VectorEngine.Api.Cluster.V1;
using VectorEngine.Protocol.Mapping;

namespace VectorEngine.Sharding.Replication;

/// <summary>The replica's side: log matching, fences, installed snapshots.</summary>
internal sealed partial class ShardReplica
{
    /// <summary>
    /// Takes entries from the primary: refuses an epoch below the one promised (the sender was deposed), refuses when
    /// the log does not hold the entry before them with the same epoch (the primary walks back), drops a conflicting
    /// suffix (never committed), appends and forces the rest to disk, then applies up to the primary's commit.
    /// </summary>
    public async Task<ReplicateReply> ReplicateAsync(ReplicateRequest request, CancellationToken cancellationToken)
    {
        await _followGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_broken is not null)
            {
                throw Stopped();
            }

            long epoch = (long)request.Epoch;
            if (Fenced(epoch, request.Primary) is { } stale)
            {
                return stale;
            }

            long prev = (long)request.PrevLsn;
            if (prev > _log.LastLsn)
            {
                _followerCaughtUp = false;
                return new ReplicateReply { Matched = false, HintLsn = (ulong)(_log.LastLsn + 1) };
            }

            if (prev > _log.BaseLsn && _log.EpochAt(prev) != (long)request.PrevEpoch)
            {
                _followerCaughtUp = false;
                return new ReplicateReply { Matched = false, HintLsn = (ulong)Math.Max(Math.Max(_log.BaseLsn + 1, _applied + 1), _log.FirstOfEpochRun(prev)) };
            }

            var fresh = new List<LogEntry>(request.Entries.Count);
            foreach (LogEntry entry in request.Entries)
            {
                long lsn = (long)entry.Lsn;
                if (lsn <= _log.BaseLsn || (fresh.Count == 0 && lsn <= _log.LastLsn && _log.EpochAt(lsn) == (long)entry.Epoch))
                {
                    continue;
                }

                if (fresh.Count == 0 && lsn <= _log.LastLsn)
                {
                    if (lsn <= Interlocked.Read(ref _applied))
                    {
                        throw new InvalidOperationException($"Shard {Shard}: the primary's entry {lsn} conflicts with an applied one; the logs diverged below the commit.");
                    }

                    _logger.LogWarning("Shard {Shard}: dropping log entries {From}..{To} that primary {Primary} (epoch {Epoch}) does not have", Shard, lsn, _log.LastLsn, request.Primary, epoch);
                    _log.TruncateAfter(lsn - 1);
                }

                fresh.Add(entry);
            }

            if (fresh.Count > 0)
            {
                _log.Append(fresh);
                _log.Sync(_log.LastLsn);
            }

            long matched = Math.Max(prev + request.Entries.Count, _log.BaseLsn);
            lock (_gate)
            {
                long commit = Math.Min((long)request.Commit, matched);
                if (commit > _commit)
                {
                    _commit = commit;
                }
            }

            ApplyCommitted();
            _followerCaughtUp = _broken is null && Interlocked.Read(ref _applied) >= (long)request.Commit;
            Interlocked.Exchange(ref _lastHeard, System.Diagnostics.Stopwatch.GetTimestamp());
            (long verifiedLsn, ulong checksum) = LastVerified;
            return new ReplicateReply { Matched = true, LastLsn = (ulong)matched, VerifiedLsn = (ulong)verifiedLsn, VerifiedChecksum = checksum };
        }
        catch (IOException e)
        {
            throw Fail(e);
        }
        finally
        {
            _followGate.Release();
        }
    }

    /// <summary>
    /// Promises, durably, to refuse every epoch below <paramref name="epoch"/> (a primary of an older one steps down
    /// here), and reports how far this copy's log reaches: the coordinator names the copy with the longest log.
    /// </summary>
    /// <exception cref="VectorEngineException">Unavailable: a newer epoch was already promised (another promotion is ahead).</exception>
    public async Task<FenceReply> FenceAsync(long epoch, CancellationToken cancellationToken)
    {
        await _followGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_broken is not null)
            {
                throw Stopped();
            }

            if (epoch < _log.PromisedEpoch)
            {
                throw new VectorEngineException(VectorEngineErrorKind.Unavailable, $"Shard {Shard}: epoch {_log.PromisedEpoch} was promised already; {epoch} is stale.");
            }

            _log.Promise(epoch);
            if (PrimaryEpoch is > 0 and var mine && mine < epoch)
            {
                StepDown($"fenced at epoch {epoch}");
            }

            return new FenceReply { LastLsn = (ulong)_log.LastLsn, LastEpoch = (ulong)_log.LastEpoch };
        }
        catch (IOException e)
        {
            throw Fail(e);
        }
        finally
        {
            _followGate.Release();
        }
    }

    /// <summary>
    /// Replaces this copy with the primary's snapshot: the log restarts empty (so a crash midway leaves a copy that
    /// claims nothing and is rebuilt), the collection is created anew and filled, then the log is based at the
    /// snapshot's LSN and replication resumes from there. Reads are refused meanwhile.
    /// </summary>
    public async Task<ReplicateReply> InstallSnapshotAsync(SnapshotChunk header, IAsyncEnumerable<SnapshotChunk> rest, CancellationToken cancellationToken)
    {
        await _followGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_broken is not null)
            {
                throw Stopped();
            }

            if (Fenced((long)header.Epoch, null) is { } stale)
            {
                return stale;
            }

            _installing = true;
            _followerCaughtUp = false;
            Collection collection;
            lock (_applyGate)
            {
                _log.Rebase(0, 0);
                _log.WriteAppliedHint(0);
                Volatile.Write(ref _collection, collection = _recreate());
                Interlocked.Exchange(ref _applied, 0);
                _appliedNoted = 0;
                lock (_gate)
                {
                    _commit = 0;
                }
            }

            long points = Load(collection, header);
            await foreach (SnapshotChunk chunk in rest.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                points += Load(collection, chunk);
            }

            long lsn = (long)header.SnapshotLsn;
            lock (_applyGate)
            {
                _log.Rebase(lsn, (long)header.SnapshotEpoch);
                Interlocked.Exchange(ref _applied, lsn);
                lock (_gate)
                {
                    _commit = lsn;
                }

                NoteApplied(force: true);
            }

            _installing = false;
            _logger.LogInformation("Shard {Shard}: installed a snapshot of {Points} points at {Lsn}", Shard, points, lsn);
            return new ReplicateReply { Matched = true, LastLsn = (ulong)lsn };
        }
        catch (IOException e)
        {
            throw Fail(e);
        }
        finally
        {
            _followGate.Release();
        }
    }

    private static long Load(Collection collection, SnapshotChunk chunk)
    {
        if (chunk.Points.Count == 0)
        {
            return 0;
        }

        var points = new Point[chunk.Points.Count];
        for (int i = 0; i < points.Length; i++)
        {
            points[i] = chunk.Points[i].ToEngine($"points[{i}]");
        }

        collection.Upsert(points);
        return points.Length;
    }

    /// <summary>
    /// The stale answer when <paramref name="epoch"/> is below this copy's promise; otherwise raises the promise to it
    /// and, if this copy was primary of an older epoch, steps down. Null: go on.
    /// </summary>
    private ReplicateReply? Fenced(long epoch, string? primary)
    {
        long promised = _log.PromisedEpoch;
        long mine = PrimaryEpoch;
        if (epoch < promised || (mine > 0 && epoch <= mine && primary != _self))
        {
            return new ReplicateReply { StaleForEpoch = (ulong)Math.Max(promised, mine) };
        }

        if (epoch > promised)
        {
            _log.Promise(epoch);
        }

        if (mine > 0 && mine < epoch)
        {
            StepDown($"a primary of epoch {epoch} replicates to it");
        }

        return null;
    }
}
