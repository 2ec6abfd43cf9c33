using System.Collections.Concurrent;
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

    /// <summary>The published set, pinned (tests inspect segment objects; the caller unpins).</summary>
    internal SegmentSet PinnedSetForTests() => PinSet();

    /// <summary>Drops the resident float pages of every warm segment (rescoring reads them again from disk when needed); returns how many segments.</summary>
    internal int TrimWarmPages()
    {
        SegmentSet set = PinSet();
        try
        {
            int trimmed = 0;
            foreach (Segment segment in set.Persisted)
            {
                if (segment.Tier == SegmentTier.Warm && segment.Store is MappedVectorStore store)
                {
                    store.Advise(Storage.MappedAccess.Sparse);
                    trimmed++;
                }
            }

            return trimmed;
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
