using Microsoft.Extensions.Logging;
using VectorEngine.Api.Cluster.V1;
using VectorEngine.Protocol.Mapping;

namespace VectorEngine.Sharding.Replication;

/// <summary>The primary's anti-entropy: periodic Verify entries, and each replica's checksum compared with its own.</summary>
internal sealed partial class ShardReplica
{
    /// <summary>
    /// Logs a Verify entry: every copy checksums its points when it applies it (so all compare the same state), and a
    /// replica whose checksum differs from this primary's is rebuilt from a snapshot.
    /// </summary>
    public Task<long> VerifyAsync(CancellationToken cancellationToken) => WriteAsync(new LogEntry { Verify = new Verify() }, cancellationToken);

    private async Task AntiEntropyLoopAsync(Term term)
    {
        while (!term.Stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.AntiEntropyInterval, term.Stop.Token).ConfigureAwait(false);
                await VerifyAsync(term.Stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (VectorEngineException e)
            {
                _logger.LogDebug(e, "Shard {Shard}: anti-entropy round not committed; next round retries", Shard);
            }
        }
    }

    /// <summary>Compares a replica's checksum at a Verify entry with this primary's; a mismatch schedules a snapshot of the shard to it.</summary>
    private void CompareChecksum(Peer peer, ReplicateReply reply)
    {
        long lsn = (long)reply.VerifiedLsn;
        if (lsn <= peer.CheckedLsn)
        {
            return;
        }

        ulong mine;
        lock (_gate)
        {
            if (!_ownVerified.TryGetValue(lsn, out mine))
            {
                return;
            }
        }

        peer.CheckedLsn = lsn;
        if (mine != reply.VerifiedChecksum)
        {
            Interlocked.Increment(ref _mismatches);
            _logger.LogWarning("Shard {Shard}: the copy on {Node} differs from the primary's at {Lsn} (checksum {Theirs:x16}, primary {Mine:x16}); rebuilding it from a snapshot",
                Shard, peer.Node, lsn, reply.VerifiedChecksum, mine);
            peer.Next = 0;
        }
    }
}
