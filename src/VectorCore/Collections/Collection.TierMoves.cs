using System.Diagnostics;
using VectorEngine.Diagnostics;
using VectorEngine.Segments;
using VectorEngine.Tiers;

namespace VectorEngine;

/// <summary>Tier moves: archive to cold, promote from cold, hot and warm forms, each swapped in as one published object.</summary>
public sealed partial class Collection
{
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
            // Each move saves the tiers file once, with the new tier and this time; a failed move leaves both as they were.
            DateTimeOffset enteredBefore = state.EnteredAt;
            state.EnteredAt = _dbOptions.TimeProvider.GetUtcNow();
            try
            {
                if (from == SegmentTier.Cold)
                {
                    Promote(current, state, folder, to);
                }
                else if (to == SegmentTier.Cold)
                {
                    Archive(current, state, folder);
                }
                else
                {
                    Segment next = to == SegmentTier.Warm
                        ? Transitions.MakeWarm(current, folder, WarmPayloads(), WarmQuantization)
                        : Transitions.LoadHot(current, folder);
                    SaveTierThenSwap(current, state, next);
                    if (to == SegmentTier.Hot)
                    {
                        _warmPayloads?.Forget(segmentId, current.Count);
                    }
                }
            }
            catch
            {
                state.EnteredAt = enteredBefore;
                throw;
            }

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
    /// then the cold object is published and the local files go. A crash or failure before the tiers file is durable
    /// leaves an orphan object (removed at the next open); after it, leftover local files (removed at the next open).
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
            // The new tiers file may be in place even so (a folder fsync that failed after the rename): the object
            // stays, so whichever file the next open reads names an archive that exists, or an orphan it removes.
            state.Object = null;
            state.Tier = current.Tier;
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

    /// <summary>
    /// Between hot and warm: the tiers file first, so a move reported done is on disk (a failed save publishes nothing:
    /// the segment stays as it was, in memory and on disk).
    /// </summary>
    private void SaveTierThenSwap(Segment current, SegmentTierState state, Segment next)
    {
        SegmentTier from = state.Tier;
        state.Tier = next.Tier;
        try
        {
            SaveTiers();
        }
        catch
        {
            state.Tier = from;
            next.Dispose();
            throw;
        }

        Swap(current, next);
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
}
