using VectorEngine.FaultInjection;
using VectorEngine.Sharding.Replication;
using VectorEngine.Sharding.Tests.Support;

namespace VectorEngine.Sharding.Tests.Replication;

/// <summary>
/// Replication between real copies of a shard (databases, logs, replicas) in one process, with partitions cut in the
/// transport: commit counting, fencing of a deposed primary, the dropped unacknowledged suffix, catch-up from the log
/// and from a snapshot, and restarts from disk.
/// </summary>
public sealed class ReplicationTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_write_returns_once_a_majority_holds_it_and_every_copy_ends_with_the_same_points()
    {
        await using var group = new ReplicaGroup(3);
        group.MakePrimary("n0", 1, writeConsistency: 2);
        group.Isolate("n2");
        for (ulong id = 1; id <= 50; id++)
        {
            Assert.Equal(1, await group["n0"].UpsertAsync([ReplicaGroup.MakePoint(id, 1)], CancellationToken.None));
        }

        // Committed on n0 and n1; n2, cut off, has none of it.
        Assert.Equal(50, ReplicaGroup.Contents(group["n0"]).Count);
        Assert.Empty(ReplicaGroup.Contents(group["n2"]));
        Assert.Equal(2, await group["n0"].DeleteAsync([new PointId(1UL), new PointId(2UL)], null, CancellationToken.None));

        group.Heal("n2");
        await Eventually.Holds(() => group.Nodes.All(n => ReplicaGroup.Contents(group[n]).SequenceEqual(ReplicaGroup.Contents(group["n0"]))), Limit, "every copy holds the primary's points");
        Assert.Equal(48, ReplicaGroup.Contents(group["n2"]).Count);
        Assert.True(group["n2"].CanServeReads);
    }

    [Fact]
    public async Task Without_enough_copies_a_write_fails_Unavailable_and_is_never_visible()
    {
        await using var group = new ReplicaGroup(2);
        group.MakePrimary("n0", 1, writeConsistency: 2);
        await group["n0"].UpsertAsync([ReplicaGroup.MakePoint(1, 1)], CancellationToken.None);
        group.Isolate("n1");
        group.WriteTimeout = TimeSpan.FromMilliseconds(500);
        VectorEngineException e = await Assert.ThrowsAsync<VectorEngineException>(() => group["n0"].UpsertAsync([ReplicaGroup.MakePoint(2, 1)], CancellationToken.None));
        Assert.Equal(VectorEngineErrorKind.Unavailable, e.Kind);

        // Logged on the primary, but not committed: not applied, so not visible.
        Assert.Equal([(1UL, 1L)], ReplicaGroup.Contents(group["n0"]));
        Assert.True(group["n0"].LastLsn > group["n0"].CommitLsn);
    }

    [Fact]
    public async Task A_deposed_primary_rejoins_with_the_new_primarys_data_and_its_unacknowledged_suffix_dropped()
    {
        await using var group = new ReplicaGroup(3);
        group.MakePrimary("n0", 1, writeConsistency: 2);
        for (ulong id = 1; id <= 20; id++)
        {
            await group["n0"].UpsertAsync([ReplicaGroup.MakePoint(id, 1)], CancellationToken.None);
        }

        await Eventually.Holds(() => group["n1"].AppliedLsn == group["n0"].CommitLsn && group["n2"].AppliedLsn == group["n0"].CommitLsn, Limit, "replicas caught up");

        // n0 is cut off with writes in flight: they reach its log, never a second copy, and fail.
        group.Isolate("n0");
        group.WriteTimeout = TimeSpan.FromMilliseconds(500);
        for (ulong id = 100; id < 105; id++)
        {
            await Assert.ThrowsAsync<VectorEngineException>(() => group["n0"].UpsertAsync([ReplicaGroup.MakePoint(id, 9)], CancellationToken.None));
        }

        long deposedEnd = group["n0"].LastLsn;
        group.WriteTimeout = TimeSpan.FromSeconds(5);

        // The coordinator fences n1 and n2 at epoch 2 and names the longer log; writes go on there.
        string primary = await group.PromoteAsync(epoch: 2, quorum: 2, writeConsistency: 2);
        Assert.NotEqual("n0", primary);
        for (ulong id = 1; id <= 10; id++)
        {
            await group[primary].UpsertAsync([ReplicaGroup.MakePoint(id, 2)], CancellationToken.None);
        }

        // n0 comes back still believing it is primary: the first copy it reaches refuses epoch 1, and it steps down.
        group.Heal("n0");
        await Eventually.Holds(() => !group["n0"].IsPrimary, Limit, "the deposed primary steps down");
        await Assert.ThrowsAsync<VectorEngineException>(() => group["n0"].UpsertAsync([ReplicaGroup.MakePoint(200, 9)], CancellationToken.None));

        // It ends with exactly the new primary's points: ids 100-104 (never acknowledged) are gone from its log and never applied.
        await Eventually.Holds(() => group.Nodes.All(n => ReplicaGroup.Contents(group[n]).SequenceEqual(ReplicaGroup.Contents(group[primary]))), Limit, "all copies equal");
        IReadOnlyList<(ulong Id, long V)> final = ReplicaGroup.Contents(group["n0"]);
        Assert.Equal(20, final.Count);
        Assert.All(final, p => Assert.Equal(p.Id <= 10 ? 2 : 1, p.V));
        Assert.DoesNotContain(final, p => p.Id >= 100);
        Assert.True(deposedEnd > group["n0"].CommitLsn - 10, "the deposed primary had logged the failed writes");
    }

    [Fact]
    public async Task A_replica_too_far_behind_the_retained_log_is_rebuilt_from_a_snapshot_then_follows_the_log()
    {
        var options = new ReplicationOptions
        {
            WriteTimeout = TimeSpan.FromSeconds(2),
            Heartbeat = TimeSpan.FromMilliseconds(50),
            CallTimeout = TimeSpan.FromSeconds(1),
            ReadStaleness = TimeSpan.FromMilliseconds(300),
            LogRetentionBytes = 4 << 10,
            SnapshotChunkPoints = 64,
        };
        await using var group = new ReplicaGroup(3, options);
        group.MakePrimary("n0", 1, writeConsistency: 2);
        await group["n0"].UpsertAsync([ReplicaGroup.MakePoint(999, 1)], CancellationToken.None);
        await Eventually.Holds(() => group["n2"].AppliedLsn >= 2, Limit, "n2 caught up once");
        group.Isolate("n2");
        for (ulong id = 1; id <= 600; id++)
        {
            await group["n0"].UpsertAsync([ReplicaGroup.MakePoint(id, 1)], CancellationToken.None);
        }

        await group["n0"].DeleteAsync([new PointId(999UL)], null, CancellationToken.None);
        await Eventually.Holds(() => !group["n2"].CanServeReads, Limit, "a copy cut off from its primary stops serving reads");

        group.Heal("n2");
        await Eventually.Holds(() => ReplicaGroup.Contents(group["n2"]).SequenceEqual(ReplicaGroup.Contents(group["n0"])), Limit, "n2 rebuilt");
        Assert.Equal(600, ReplicaGroup.Contents(group["n2"]).Count);

        // And it follows the log from there.
        await group["n0"].UpsertAsync([ReplicaGroup.MakePoint(1, 7)], CancellationToken.None);
        await Eventually.Holds(() => ReplicaGroup.Contents(group["n2"])[0] == (1UL, 7L) && group["n2"].CanServeReads, Limit, "n2 follows the log after the snapshot");
    }

    [Fact]
    public async Task A_restarted_replica_recovers_from_its_log_and_catches_up()
    {
        await using var group = new ReplicaGroup(2);
        group.MakePrimary("n0", 1, writeConsistency: 1);
        for (ulong id = 1; id <= 30; id++)
        {
            await group["n0"].UpsertAsync([ReplicaGroup.MakePoint(id, 1)], CancellationToken.None);
        }

        await Eventually.Holds(() => group["n1"].AppliedLsn == group["n0"].CommitLsn, Limit, "n1 caught up");
        await group.RestartAsync("n1");
        Assert.Equal(30, ReplicaGroup.Contents(group["n1"]).Count);

        for (ulong id = 31; id <= 40; id++)
        {
            await group["n0"].UpsertAsync([ReplicaGroup.MakePoint(id, 1)], CancellationToken.None);
        }

        await Eventually.Holds(() => ReplicaGroup.Contents(group["n1"]).Count == 40 && group["n1"].CanServeReads, Limit, "n1 follows again");
    }

    [Fact]
    public async Task A_fence_below_a_promise_is_refused_and_a_primary_of_an_older_epoch_steps_down()
    {
        await using var group = new ReplicaGroup(2);
        group.MakePrimary("n0", 3, writeConsistency: 1);
        await group["n1"].FenceAsync(5, CancellationToken.None);
        await Assert.ThrowsAsync<VectorEngineException>(() => group["n1"].FenceAsync(4, CancellationToken.None));

        // A primary fenced at a newer epoch stops taking writes at once.
        await group["n0"].FenceAsync(5, CancellationToken.None);
        Assert.False(group["n0"].IsPrimary);

        // An epoch below the promise cannot make it primary again, even after a restart (the promise is on disk).
        await group.RestartAsync("n0");
        group.MakePrimary("n0", 4, writeConsistency: 1);
        Assert.False(group["n0"].IsPrimary);
        group.MakePrimary("n0", 5, writeConsistency: 1);
        Assert.True(group["n0"].IsPrimary);
    }

    [Fact]
    public async Task Anti_entropy_finds_a_copy_that_drifted_and_rebuilds_it_from_the_primary()
    {
        await using var group = new ReplicaGroup(3);
        group.MakePrimary("n0", 1, writeConsistency: 2);
        for (ulong id = 1; id <= 40; id++)
        {
            await group["n0"].UpsertAsync([ReplicaGroup.MakePoint(id, 1)], CancellationToken.None);
        }

        await group["n0"].VerifyAsync(CancellationToken.None);
        await Eventually.Holds(() => group.Nodes.All(n => group[n].LastVerified.Lsn == group["n0"].LastVerified.Lsn), Limit, "every copy checksummed the first Verify entry");
        Assert.Single(group.Nodes.Select(n => group[n].LastVerified.Checksum).Distinct());

        // n1's points drift behind the log's back (a bit flip, an operator's hand): one changed, one deleted, one added.
        group["n1"].Collection.Upsert([ReplicaGroup.MakePoint(5, 99), ReplicaGroup.MakePoint(500, 1)]);
        group["n1"].Collection.Delete([new PointId(6UL)]);
        await group["n0"].VerifyAsync(CancellationToken.None);
        await Eventually.Holds(() => group["n0"].Mismatches == 1, Limit, "the primary finds n1 different");
        await Eventually.Holds(() => ReplicaGroup.Contents(group["n1"]).SequenceEqual(ReplicaGroup.Contents(group["n0"])), Limit, "n1 rebuilt from the primary");

        // The next round finds every copy equal again; n2 was never touched.
        await group["n0"].VerifyAsync(CancellationToken.None);
        await Eventually.Holds(() => group.Nodes.All(n => group[n].LastVerified.Lsn == group["n0"].LastVerified.Lsn), Limit, "every copy checksummed again");
        Assert.Single(group.Nodes.Select(n => group[n].LastVerified.Checksum).Distinct());
        Assert.Equal(1, group["n0"].Mismatches);
    }

    [Fact]
    public async Task A_majority_read_is_answered_only_by_a_primary_a_quorum_still_follows()
    {
        await using var group = new ReplicaGroup(3);
        group.MakePrimary("n0", 1, writeConsistency: 2);
        await group["n0"].UpsertAsync([ReplicaGroup.MakePoint(1, 1)], CancellationToken.None);
        Assert.Single(ReplicaGroup.Contents(group["n0"]));
        Assert.Equal(1, (await group["n0"].ConfirmPrimaryAsync(CancellationToken.None)).Count());
        await Assert.ThrowsAsync<VectorEngineException>(() => group["n1"].ConfirmPrimaryAsync(CancellationToken.None));

        // Cut off, it cannot confirm (it may already be deposed), so it answers no majority read.
        group.Isolate("n0");
        VectorEngineException cut = await Assert.ThrowsAsync<VectorEngineException>(() => group["n0"].ConfirmPrimaryAsync(CancellationToken.None));
        Assert.Equal(VectorEngineErrorKind.Unavailable, cut.Kind);

        // Deposed: the new primary writes; the old one, back, learns it at its first confirmation and steps down.
        string primary = await group.PromoteAsync(epoch: 2, quorum: 2, writeConsistency: 2);
        await group[primary].UpsertAsync([ReplicaGroup.MakePoint(2, 1)], CancellationToken.None);
        group.Heal("n0");
        await Assert.ThrowsAsync<VectorEngineException>(() => group["n0"].ConfirmPrimaryAsync(CancellationToken.None));
        Assert.False(group["n0"].IsPrimary);
        Assert.Equal(2, (await group[primary].ConfirmPrimaryAsync(CancellationToken.None)).Count());
    }

    [Theory]
    [InlineData(FaultKind.FailFileSync)]
    [InlineData(FaultKind.FailWrite)]
    [InlineData(FaultKind.DiskFull)]
    public async Task A_storage_error_in_the_primarys_log_stops_the_copy_and_a_power_loss_there_loses_no_acknowledged_write(FaultKind kind)
    {
        FaultInjectingFileSystem? faulty = null;
        await using var group = new ReplicaGroup(3, fileSystems: (node, folder) => node == "n0" ? faulty = new FaultInjectingFileSystem(folder, new Fault(FaultKind.None, 0), 7) : null);
        group.MakePrimary("n0", 1, writeConsistency: 2);
        for (ulong id = 1; id <= 20; id++)
        {
            await group["n0"].UpsertAsync([ReplicaGroup.MakePoint(id, 1)], CancellationToken.None);
        }

        // The next write meets the fault: it fails, and so does every later one there (a failed fsync is not retried).
        faulty!.Arm(kind);
        VectorEngineException first = await Assert.ThrowsAsync<VectorEngineException>(() => group["n0"].UpsertAsync([ReplicaGroup.MakePoint(21, 1)], CancellationToken.None));
        Assert.Equal(VectorEngineErrorKind.Unavailable, first.Kind);
        Assert.NotNull(faulty.Fired);
        await Assert.ThrowsAsync<VectorEngineException>(() => group["n0"].UpsertAsync([ReplicaGroup.MakePoint(22, 1)], CancellationToken.None));
        Assert.False(group["n0"].IsPrimary);
        Assert.False(group["n0"].CanServeReads);

        // The power goes on n0; it comes back from what was durable. A new primary has every acknowledged write, and so
        // does n0 once it follows it.
        faulty.CrashNow();
        await group.RestartAsync("n0", () => faulty.RestoreDurableState());
        string primary = await group.PromoteAsync(epoch: 2, quorum: 2, writeConsistency: 2);
        await group[primary].UpsertAsync([ReplicaGroup.MakePoint(30, 2)], CancellationToken.None);
        await Eventually.Holds(() => group.Nodes.All(n => ReplicaGroup.Contents(group[n]).SequenceEqual(ReplicaGroup.Contents(group[primary]))), Limit, "all copies equal after recovery");
        IReadOnlyList<(ulong Id, long V)> final = ReplicaGroup.Contents(group[primary]);
        Assert.True(Enumerable.Range(1, 20).All(i => final.Any(p => p.Id == (ulong)i)), "every acknowledged write is there");
        Assert.DoesNotContain(final, p => p.Id == 22);
    }
}
