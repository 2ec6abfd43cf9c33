namespace VectorEngine.Tiers;

/// <summary>
/// What the tiering remembers of one sealed segment across its tier changes (a segment id keeps one state while the
/// segment objects that stand for it are replaced): its tier, a pin, its archive when cold, when it entered its tier,
/// and its most recent accesses.
/// </summary>
internal sealed class SegmentTierState
{
    // The most recent access times (UTC ticks), a ring written without a lock: a lost update under a race costs one
    // access in a count that only decides a move days away.
    private readonly long[] _recent;
    private int _next;

    public SegmentTierState(int segmentId, SegmentTier tier, DateTimeOffset created, DateTimeOffset enteredAt, int remembered)
    {
        SegmentId = segmentId;
        Tier = tier;
        Created = created;
        EnteredAt = enteredAt;
        _recent = new long[Math.Max(1, remembered)];
    }

    public int SegmentId { get; }

    /// <summary>Where the segment is (changed under the collection's tier gate).</summary>
    public SegmentTier Tier { get; set; }

    /// <summary>Set by an admin call: the policy and the budget leave the segment in this tier.</summary>
    public SegmentTier? Pinned { get; set; }

    /// <summary>The archive of a cold segment; null otherwise.</summary>
    public ColdObject? Object { get; set; }

    /// <summary>When the segment was written (sealed or merged): its "last access" until it has one.</summary>
    public DateTimeOffset Created { get; }

    /// <summary>When the segment entered its tier (sealed, promoted or demoted).</summary>
    public DateTimeOffset EnteredAt { get; set; }

    /// <summary>The accesses remembered (at most the policy's threshold: that is all a decision needs).</summary>
    public int Remembered => _recent.Length;

    /// <summary>Notes a search or read of the segment.</summary>
    public void Touch(long utcTicks)
    {
        int slot = (int)((uint)Interlocked.Increment(ref _next) % (uint)_recent.Length);
        Volatile.Write(ref _recent[slot], utcTicks);
    }

    /// <summary>The last access, or <see cref="Created"/> when there was none.</summary>
    public DateTimeOffset LastAccess
    {
        get
        {
            long last = Created.UtcTicks;
            foreach (long ticks in _recent)
            {
                last = Math.Max(last, Volatile.Read(in ticks));
            }

            return new DateTimeOffset(last, TimeSpan.Zero);
        }
    }

    /// <summary>Accesses at or after <paramref name="since"/> (at most <see cref="Remembered"/>).</summary>
    public int AccessesSince(DateTimeOffset since)
    {
        int n = 0;
        foreach (long ticks in _recent)
        {
            if (ticks != 0 && ticks >= since.UtcTicks)
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>The remembered access times, for the tiers file.</summary>
    public long[] Snapshot() => [.. _recent.Where(t => t != 0)];

    /// <summary>Restores access times read from the tiers file.</summary>
    public void Restore(IEnumerable<long> ticks)
    {
        foreach (long t in ticks.Order().TakeLast(_recent.Length))
        {
            Touch(t);
        }
    }
}

/// <summary>A cold segment's archive: its key in the object store, and the length and CRC32C a fetched copy must have.</summary>
/// <param name="Key">The object key.</param>
/// <param name="Length">The archive's bytes.</param>
/// <param name="Crc">The archive's CRC32C.</param>
internal sealed record ColdObject(string Key, long Length, uint Crc);
