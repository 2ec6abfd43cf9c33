namespace VectorEngine.Sharding.Replication;

/// <summary>Tuning of shard replication on one node (the same on every node of a cluster).</summary>
public sealed class ReplicationOptions
{
    /// <summary>
    /// How long a write waits for enough copies to have it before it fails with Unavailable (it may still be applied
    /// later: a retry of the same ids is safe). Default 10 s.
    /// </summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one replication or fence call may take. Default 5 s.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often an idle primary tells its replicas it is alive and where its commit stands. Default 500 ms.</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// A replica that has not heard from its primary for this long stops serving reads (it may be cut off and behind);
    /// reads then go to another copy. Default 2 s (four heartbeats).
    /// </summary>
    public TimeSpan ReadStaleness { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Most bytes of entries in one replication call. Default 4 MiB.</summary>
    public int BatchBytes { get; set; } = 4 << 20;

    /// <summary>
    /// Bytes of applied entries a copy keeps in its log for replicas that fall behind; a replica further behind gets a
    /// snapshot of the shard instead. Default 64 MiB.
    /// </summary>
    public long LogRetentionBytes { get; set; } = 64L << 20;

    /// <summary>
    /// How often a primary has its copies compare checksums of their points (a Verify entry in the log; a copy that
    /// differs is rebuilt from a snapshot). Each round scans the shard once on every copy. Default 5 min; zero turns it off.
    /// </summary>
    public TimeSpan AntiEntropyInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Bytes per second a primary streams a snapshot at (a move or a rebuild must not starve searches). Default 64 MiB/s; zero: unthrottled.</summary>
    public long SnapshotBytesPerSecond { get; set; } = 64L << 20;

    /// <summary>How long a move waits for the new copy to catch up before it gives up. Default 30 min.</summary>
    public TimeSpan MoveTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How long a node may be gone (out of the live set) before the coordinator re-creates its copies on other live
    /// nodes, so its shards are not left a copy short. Default 5 min: a restart or a short outage only catches up.
    /// </summary>
    public TimeSpan ReplaceDeadAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Points per snapshot chunk. Default 512.</summary>
    public int SnapshotChunkPoints { get; set; } = 512;
}
