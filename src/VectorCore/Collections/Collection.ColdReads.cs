using VectorEngine.Segments;
using VectorEngine.Tiers;

namespace VectorEngine;

/// <summary>Reads that meet cold segments: fetched first (shared between concurrent readers), or left out when a search may not wait.</summary>
public sealed partial class Collection
{
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
}
