using System.Collections.Concurrent;
using System.Diagnostics;
using VectorEngine.Diagnostics;
using VectorEngine.Segments;
using VectorEngine.Tiers;

namespace VectorEngine;

/// <summary>
/// Tiers: each sealed segment is hot, warm or cold (see <see cref="SegmentTier"/>). A move builds the segment's object
/// for the new tier beside the published one and swaps it in, as a seal does; searches in flight finish on the old
/// object. Moves run one at a time per collection, and never beside a merge (both take the optimize gate).
/// </summary>
public sealed partial class Collection
{
    private const string ArchiveTempPrefix = ".archive-";
    private readonly ConcurrentDictionary<int, SegmentTierState> _tierStates = new();
    private readonly ConcurrentDictionary<int, Task> _backgroundFetches = new();
    private TierTransitions? _transitions;
    private WarmPayloadStore? _warmPayloads;

    private TierTransitions Transitions => _transitions ??= new TierTransitions(_fs, Options, _indexFactory, _logger, Name);

    private IObjectStore ObjectStore => _dbOptions.ObjectStore ?? (_defaultObjectStore ??= new LocalDirectoryObjectStore(
        Path.GetFullPath(Path.Combine(_directory, "..", "..", "objects"))));

    private IObjectStore? _defaultObjectStore;

    /// <summary>Every sealed segment's tier, size in memory, pin and recent use.</summary>
    public IReadOnlyList<SegmentTierInfo> GetSegmentTiers()
    {
        SegmentSet set = PinSet();
        try
        {
            DateTimeOffset now = _dbOptions.TimeProvider.GetUtcNow();
            var result = new List<SegmentTierInfo>();
            foreach (Segment segment in set.Persisted)
            {
                SegmentTierState state = TierState(segment.Id);
                result.Add(new SegmentTierInfo(segment.Id, segment.Tier, segment.Count, TierAccounting.ResidentBytes(segment),
                    state.Pinned, state.LastAccess, state.AccessesSince(now - (Options.Tiering ?? TierPolicy.Default).WarmAfter)));
            }

            return result;
        }
        finally
        {
            set.Unpin();
        }
    }

    /// <summary>Moves a sealed segment to <paramref name="tier"/> now (an admin call); a pin, if any, is left as it is.</summary>
    /// <param name="segmentId">The segment (from <see cref="GetSegmentTiers"/>).</param>
    /// <param name="tier">Where to move it.</param>
    /// <exception cref="VectorEngineArgumentException">No sealed segment has that id, or the tier is unknown.</exception>
    /// <exception cref="DataCorruptionException">A cold segment's archive fails its check twice.</exception>
    public void MoveSegment(int segmentId, SegmentTier tier)
    {
        if (!Enum.IsDefined(tier))
        {
            ThrowHelper.ThrowArgument("tier", $"Unknown tier {(int)tier}.");
        }

        if (!TryMove(segmentId, tier, TierMoveReason.Manual))
        {
            ThrowHelper.ThrowArgument("segmentId", $"Collection '{Name}' has no sealed segment {segmentId}.");
        }
    }

    /// <summary>
    /// Pins a sealed segment to <paramref name="tier"/> (moving it there now): the policy and the memory budget leave it
    /// there until it is unpinned (<paramref name="tier"/> null). A pin survives restarts; a merge's new segment has none.
    /// </summary>
    /// <param name="segmentId">The segment.</param>
    /// <param name="tier">The tier to keep it in, or null to unpin.</param>
    /// <exception cref="VectorEngineArgumentException">No sealed segment has that id.</exception>
    public void PinSegment(int segmentId, SegmentTier? tier)
    {
        lock (_optimizeGate)
        {
            ThrowIfClosedForTiers();
            SegmentSet set = PinSet();
            try
            {
                if (!set.TryGet(segmentId, out Segment? segment) || !segment.IsSealed)
                {
                    ThrowHelper.ThrowArgument("segmentId", $"Collection '{Name}' has no sealed segment {segmentId}.");
                }
            }
            finally
            {
                set.Unpin();
            }

            TierState(segmentId).Pinned = tier;
            if (tier is { } target)
            {
                MoveLocked(segmentId, target, TierMoveReason.Manual);
            }

            SaveTiers();
        }
    }

    /// <summary>Applies this collection's <see cref="CollectionOptions.Tiering"/> at <paramref name="now"/>; returns the moves made.</summary>
    internal int ApplyTierPolicy(DateTimeOffset now)
    {
        if (Options.Tiering is null)
        {
            return 0;
        }

        int moved = 0;
        foreach (TierMove move in TierPlanner.ByPolicy(TierCandidates(now), now))
        {
            moved += TryMoveLogged(move) ? 1 : 0;
        }

        return moved;
    }

    /// <summary>What the tier planner needs to know of each sealed segment.</summary>
    internal List<TierCandidate> TierCandidates(DateTimeOffset now)
    {
        SegmentSet set = PinSet();
        try
        {
            var candidates = new List<TierCandidate>();
            TierPolicy policy = Options.Tiering ?? TierPolicy.Default;
            foreach (Segment segment in set.Persisted)
            {
                SegmentTierState state = TierState(segment.Id);
                candidates.Add(new TierCandidate(Name, segment.Id, segment.Tier, state.Pinned, state.EnteredAt, state.LastAccess,
                    state.AccessesSince(now - policy.WarmAfter), TierAccounting.ResidentBytes(segment),
                    TierAccounting.WarmBytes(segment), TierAccounting.ColdBytes(segment), Options.Tiering));
            }

            return candidates;
        }
        finally
        {
            set.Unpin();
        }
    }

    /// <summary>Resident bytes no move can release: the mutable segment, segments being sealed, the warm payload log.</summary>
    internal long FixedResidentBytes()
    {
        SegmentSet set = PinSet();
        try
        {
            long bytes = _warmPayloads?.MemoryBytes ?? 0;
            foreach (Segment segment in set.Segments)
            {
                if (!segment.IsSealed)
                {
                    bytes += segment.MemoryBytes();
                }
            }

            return bytes;
        }
        finally
        {
            set.Unpin();
        }
    }

    /// <summary>A move the planner asked for, skipped when the segment changed tier since; failures are logged, not thrown.</summary>
    internal bool TryMoveLogged(TierMove move)
    {
        try
        {
            lock (_optimizeGate)
            {
                if (_disposed || !(_set?.TryGet(move.SegmentId, out Segment? segment) ?? false) || segment.Tier != move.From ||
                    (TierState(move.SegmentId).Pinned is { } pinned && pinned != move.To))
                {
                    return false;
                }

                return MoveLocked(move.SegmentId, move.To, move.Reason);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.SegmentMoveFailed(_logger, Name, move.SegmentId, move.From, move.To, e);
            return false;
        }
    }

    private bool TryMove(int segmentId, SegmentTier tier, TierMoveReason reason)
    {
        lock (_optimizeGate)
        {
            ThrowIfClosedForTiers();
            return MoveLocked(segmentId, tier, reason);
        }
    }

    /// <summary>Moves one segment (under the optimize gate); false when no sealed segment has the id.</summary>
    private bool MoveLocked(int segmentId, SegmentTier to, TierMoveReason reason)
    {
        Debug.Assert(Monitor.IsEntered(_optimizeGate), "one move, and no merge, at a time");
        ThrowIfClosedForTiers();
        SegmentSet set = PinSet();
        try
        {
            if (!set.TryGet(segmentId, out Segment? current) || !current.IsSealed)
            {
                return false;
            }

            SegmentTier from = current.Tier;
            if (from == to)
            {
                return true;
            }

            long start = Stopwatch.GetTimestamp();
            SegmentTierState state = TierState(segmentId);
            string folder = SegmentDirectory(segmentId);
            if (from == SegmentTier.Cold)
            {
                Promote(current, state, folder, to);
            }
            else if (to == SegmentTier.Cold)
            {
                Archive(current, state, folder);
            }
            else if (to == SegmentTier.Warm)
            {
                Swap(current, Transitions.MakeWarm(current, folder, WarmPayloads(), WarmQuantization));
            }
            else
            {
                Swap(current, Transitions.LoadHot(current, folder));
                _warmPayloads?.Forget(segmentId, current.Count);
            }

            state.Tier = to;
            state.EnteredAt = _dbOptions.TimeProvider.GetUtcNow();
            SaveTiers();
            double milliseconds = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            EngineTelemetry.TierMoved(Name, from, to, reason, milliseconds);
            Log.SegmentMoved(_logger, Name, segmentId, from, to, reason.ToString(), (long)milliseconds);
            return true;
        }
        finally
        {
            set.Unpin();
        }
    }

    /// <summary>
    /// Hot or warm to cold. Order: archive uploaded and <c>ids.bin</c> written; then <c>tiers.json</c> names the archive;
    /// then the cold object is published and the local files go. A crash before the tiers file leaves an orphan object
    /// (removed at the next open); after it, leftover local files (removed at the next open).
    /// </summary>
    private void Archive(Segment current, SegmentTierState state, string folder)
    {
        string temp = Path.Combine(_directory, ArchiveTempPrefix + current.Id + ".tmp");
        ColdObject archive;
        try
        {
            archive = Transitions.Archive(current, folder, temp, ObjectStore);
        }
        finally
        {
            TryDelete(temp, isDirectory: false);
        }

        state.Object = archive;
        state.Tier = SegmentTier.Cold;
        try
        {
            SaveTiers();
        }
        catch
        {
            state.Object = null;
            state.Tier = current.Tier;
            TryDeleteObject(archive.Key);
            throw;
        }

        var ids = new List<PointId>(current.Count);
        for (uint offset = 0; offset < current.Count; offset++)
        {
            ids.Add(current.IdAt(offset));
        }

        Swap(current, Segment.Cold(current.Id, Dimension, Metric, ids, current.Deleted, current.TombstonesDirty));
        if (current.Tier == SegmentTier.Warm)
        {
            _warmPayloads?.Forget(current.Id, current.Count);
        }

        // Readers still on the old object keep their mappings (an unlinked file stays mapped).
        try
        {
            Transitions.RemoveArchivedFiles(folder);
        }
        catch (IOException e)
        {
            Log.CleanupFailed(_logger, Name, folder, e);
        }
    }

    /// <summary>
    /// Cold to hot or warm. Order: archive fetched and checked, files extracted (durable); then <c>tiers.json</c> says
    /// the new tier; then the object is deleted. A crash before the tiers file leaves extracted files that the next open
    /// removes (the segment is still cold); after it, an orphan object the next open removes.
    /// </summary>
    private void Promote(Segment current, SegmentTierState state, string folder, SegmentTier to)
    {
        ColdObject archive = state.Object ?? throw new DataCorruptionException($"Segment {current.Id} of '{Name}' is cold but its tiers entry names no archive.");
        string temp = Path.Combine(_directory, ArchiveTempPrefix + current.Id + ".tmp");
        long start = Stopwatch.GetTimestamp();
        try
        {
            Transitions.Fetch(archive, current.Id, temp, ObjectStore);
            SegmentArchive.Extract(_fs, temp, folder, TierTransitions.KeptLocal);
        }
        finally
        {
            TryDelete(temp, isDirectory: false);
        }

        Segment hot = Transitions.LoadHot(current, folder);
        Segment next = hot;
        if (to == SegmentTier.Warm)
        {
            try
            {
                next = Transitions.MakeWarm(hot, folder, WarmPayloads(), WarmQuantization);
            }
            finally
            {
                hot.Dispose();
            }
        }

        state.Tier = to;
        state.Object = null;
        try
        {
            SaveTiers();
        }
        catch
        {
            state.Tier = SegmentTier.Cold;
            state.Object = archive;
            next.Dispose();
            throw;
        }

        Swap(current, next);
        EngineTelemetry.PromotionDuration.Record(Stopwatch.GetElapsedTime(start).TotalMilliseconds, EngineTelemetry.Collection(Name));
        TryDeleteObject(archive.Key);
        TryDelete(Path.Combine(folder, SegmentFiles.IdsFile), isDirectory: false);
    }

    /// <summary>Publishes <paramref name="next"/> in place of <paramref name="current"/> (same id), with every tombstone set meanwhile.</summary>
    private void Swap(Segment current, Segment next)
    {
        _lock.EnterWriteLock();
        try
        {
            if (_set is null || !_set.TryGet(current.Id, out Segment? published) || published != current)
            {
                next.Dispose();
                ThrowHelper.ThrowClosed($"Collection '{Name}'");
            }

            // Deletes land under this lock on the published object; both share the bitset, so only the count and the
            // flag that says the file is behind need carrying over.
            next.RecountDeleted();
            next.TombstonesDirty |= current.TombstonesDirty;
            Publish(_set.With([next], [current.Id]));
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Fetches (promotes to hot) every cold segment of <paramref name="set"/> before a read that needs their contents.
    /// With <paramref name="wait"/> set, gives the fetches at most that long in all (they go on in the background) and
    /// returns false when one is still running. A fetch that failed throws its error (a damaged archive is reported,
    /// never served).
    /// </summary>
    private bool FetchCold(SegmentSet set, TimeSpan? wait)
    {
        var fetches = new List<Task>();
        foreach (Segment segment in set.Persisted)
        {
            if (segment.Tier == SegmentTier.Cold)
            {
                fetches.Add(StartFetch(segment.Id));
            }
        }

        if (fetches.Count == 0)
        {
            return true;
        }

        Task all = Task.WhenAll(fetches);
        if (wait is { } limit && !all.Wait(limit))
        {
            return false;
        }

        all.GetAwaiter().GetResult();
        return true;
    }

    /// <summary>The running fetch of a cold segment, or a new one: concurrent readers of one segment share one fetch.</summary>
    private Task StartFetch(int segmentId)
    {
        var mine = new Task(() => TryMove(segmentId, SegmentTier.Hot, TierMoveReason.Access));
        Task fetch = _backgroundFetches.GetOrAdd(segmentId, mine);
        if (fetch == mine)
        {
            mine.ContinueWith(_ => _backgroundFetches.TryRemove(KeyValuePair.Create(segmentId, (Task)mine)), TaskScheduler.Default);
            mine.Start(TaskScheduler.Default);
        }

        return fetch;
    }

    /// <summary>
    /// Pins the published set after fetching its cold segments, each given the policy's
    /// <see cref="TierPolicy.ColdFetchTimeout"/>; <paramref name="partial"/> says the set still holds cold segments (a
    /// fetch still running, or a segment demoted again meanwhile), which the search then leaves out.
    /// </summary>
    private SegmentSet PinResidentSet(out bool partial)
    {
        partial = false;
        for (int attempt = 1; ; attempt++)
        {
            SegmentSet set = PinSet();
            if (!HasCold(set))
            {
                return set;
            }

            bool complete;
            try
            {
                complete = attempt < 4 && FetchCold(set, Options.Tiering?.ColdFetchTimeout);
            }
            catch
            {
                set.Unpin();
                throw;
            }

            if (!complete)
            {
                partial = true;
                return set;
            }

            set.Unpin();
        }
    }

    private static bool HasCold(SegmentSet set)
    {
        foreach (Segment segment in set.Segments)
        {
            if (segment.Tier == SegmentTier.Cold)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Runs a read that needs segment contents: a cold segment it meets (<see cref="SegmentNotResidentException"/>) is
    /// fetched (promoted to hot) and the read runs again, a bounded number of times (each segment may be demoted again
    /// meanwhile, by the budget).
    /// </summary>
    private T WithResidentSegments<T>(Func<T> read)
    {
        int attempts = 0;
        while (true)
        {
            try
            {
                return read();
            }
            catch (SegmentNotResidentException e) when (++attempts <= 64)
            {
                StartFetch(e.SegmentId).GetAwaiter().GetResult();
            }
        }
    }

    /// <summary>Fetches every cold segment now, for a read that reads them all (a filtered count, a scroll, a snapshot).</summary>
    private void FetchAllCold()
    {
        for (int attempt = 0; attempt < 4; attempt++)
        {
            SegmentSet set = PinSet();
            try
            {
                if (!HasCold(set))
                {
                    return;
                }

                FetchCold(set, wait: null);
            }
            finally
            {
                set.Unpin();
            }
        }
    }

    /// <summary>Notes a search or read of the sealed segments it touched.</summary>
    private void TouchSegment(Segment segment, long nowTicks)
    {
        if (segment.IsSealed)
        {
            TierState(segment.Id).Touch(nowTicks);
        }
    }

    private SegmentTierState TierState(int segmentId) =>
        _tierStates.GetOrAdd(segmentId, id =>
        {
            DateTimeOffset now = _dbOptions.TimeProvider.GetUtcNow();
            return new SegmentTierState(id, SegmentTier.Hot, now, now, (Options.Tiering ?? TierPolicy.Default).WarmBelowAccesses);
        });

    private string WarmQuantization => (Options.Tiering ?? TierPolicy.Default).WarmQuantization;

    private WarmPayloadStore WarmPayloads() => _warmPayloads ??= new WarmPayloadStore(_directory, _dbOptions.WarmPayloadMemoryBytes);

    /// <summary>Writes <c>tiers.json</c> for the segments the published set holds.</summary>
    private void SaveTiers()
    {
        var file = new TiersFile();
        foreach (Segment segment in _set!.Persisted)
        {
            SegmentTierState state = TierState(segment.Id);
            file.Segments.Add(new TiersFile.Entry
            {
                Segment = segment.Id,
                Tier = state.Tier,
                Pinned = state.Pinned,
                ObjectKey = state.Object?.Key,
                ObjectLength = state.Object?.Length ?? 0,
                ObjectCrc = state.Object?.Crc ?? 0,
                Points = segment.Count,
                EnteredAt = state.EnteredAt,
                Created = state.Created,
                Accesses = [.. state.Snapshot()],
            });
        }

        file.Save(_fs, _directory);
    }

    /// <summary>Saves access times (the mover does now and then), unless the collection closed meanwhile.</summary>
    internal void SaveTierStates()
    {
        lock (_optimizeGate)
        {
            if (!_disposed && _set is not null)
            {
                SaveTiers();
            }
        }
    }

    private void TryDeleteObject(string key)
    {
        try
        {
            ObjectStore.DeleteAsync(key).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Left for the next open's orphan sweep.
            Log.OrphanCleanupFailed(_logger, Name, e);
        }
    }

    private void ThrowIfClosedForTiers()
    {
        if (_disposed)
        {
            ThrowHelper.ThrowClosed($"Collection '{Name}'");
        }
    }
}
