using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace VectorEngine.Sharding.Coordination;

/// <summary>
/// This node's entry in the live set: its <see cref="ClusterMember"/> under <c>nodes/ID</c>, attached to an etcd
/// lease that a background loop keeps alive every TTL/3. When the lease is lost (etcd was unreachable past the TTL,
/// or restarted and expired it) the loop takes a new lease and registers again, so a node rejoins on its own.
/// </summary>
internal sealed class MemberRegistration : IAsyncDisposable
{
    private readonly KV.KVClient _kv;
    private readonly Lease.LeaseClient _lease;
    private readonly EtcdKeys _keys;
    private readonly ClusterMember _self;
    private readonly int _ttlSeconds;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private long _leaseId;

    public MemberRegistration(KV.KVClient kv, Lease.LeaseClient lease, EtcdKeys keys, ClusterMember self, int ttlSeconds, ILogger logger)
    {
        _kv = kv;
        _lease = lease;
        _keys = keys;
        _self = self;
        _ttlSeconds = ttlSeconds;
        _logger = logger;
    }

    /// <summary>The lease the registration (and the node's election campaign) hangs on; 0 while none is held.</summary>
    public long LeaseId => Volatile.Read(ref _leaseId);

    /// <summary>Raised (on the keep-alive loop) with the new lease after the node registered again under it.</summary>
    public event Action<long>? Reregistered;

    /// <summary>Registers, then keeps the registration alive in the background.</summary>
    /// <exception cref="NodeIdTakenException">Another live process holds this node id.</exception>
    public async Task JoinAsync(CancellationToken cancellationToken)
    {
        await RegisterAsync(cancellationToken).ConfigureAwait(false);
        _loop = Task.Run(KeepAliveLoopAsync, CancellationToken.None);
    }

    /// <summary>Stops the keep-alive and revokes the lease, so the node leaves the live set now rather than after the TTL.</summary>
    public ValueTask DisposeAsync() => StopAsync(revoke: true);

    /// <summary>
    /// Stops the keep-alive; with <paramref name="revoke"/> false the lease is left to expire, which is what etcd sees
    /// of a node that died (tests use it to kill a member without killing the process).
    /// </summary>
    public async ValueTask StopAsync(bool revoke)
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        long lease = LeaseId;
        if (revoke && lease != 0)
        {
            try
            {
                await _lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, deadline: DateTime.UtcNow.AddSeconds(2)).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                _logger.LogDebug(e, "Lease {Lease} not revoked; it expires in {Ttl} s", lease, _ttlSeconds);
            }
        }
    }

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        LeaseGrantResponse grant = await _lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = _ttlSeconds }, Call(cancellationToken)).ConfigureAwait(false);
        ByteString key = ByteString.CopyFromUtf8(_keys.Node(_self.NodeId));
        ByteString value = ByteString.CopyFrom(_self.ToJson());
        var put = new RequestOp { RequestPut = new PutRequest { Key = key, Value = value, Lease = grant.ID } };

        // Put only where nobody is registered; otherwise read who is, in the same transaction.
        TxnResponse created = await _kv.TxnAsync(new TxnRequest
        {
            Compare = { new Compare { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 } },
            Success = { put },
            Failure = { new RequestOp { RequestRange = new RangeRequest { Key = key } } },
        }, Call(cancellationToken)).ConfigureAwait(false);
        if (!created.Succeeded)
        {
            Mvccpb.KeyValue holder = created.Responses[0].ResponseRange.Kvs.Single();
            ClusterMember registered = ClusterMember.FromJson(holder.Value.Span);
            if (registered.InstanceId != _self.InstanceId)
            {
                await _lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = grant.ID }, Call(cancellationToken)).ConfigureAwait(false);
                throw new NodeIdTakenException(_self.NodeId, registered);
            }

            // This node, restarted on the same data directory before its old lease expired: take the entry over and end
            // the old lease, which also ends its old election campaign at once instead of after the TTL.
            TxnResponse taken = await _kv.TxnAsync(new TxnRequest
            {
                Compare = { new Compare { Key = key, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = holder.ModRevision } },
                Success = { put },
            }, Call(cancellationToken)).ConfigureAwait(false);
            if (!taken.Succeeded)
            {
                throw new RpcException(new Status(StatusCode.Aborted, $"The registration of '{_self.NodeId}' changed while this node took it over; retrying."));
            }

            if (holder.Lease != 0 && holder.Lease != grant.ID)
            {
                await _lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = holder.Lease }, Call(cancellationToken)).ConfigureAwait(false);
            }
        }

        Volatile.Write(ref _leaseId, grant.ID);
    }

    private async Task KeepAliveLoopAsync()
    {
        TimeSpan interval = TimeSpan.FromSeconds(_ttlSeconds / 3.0);

        // After a failed round the next comes 200 ms later, not a whole interval: a call that stalled on a dead
        // connection (found by the HTTP/2 ping, up to 4 s) has used most of the lease already, and waiting the interval
        // on top let a loaded machine's lease expire (a 2-core CI run: primaries failed over in the middle of a test).
        // Failures in a row back off from 200 ms to the interval, so an etcd that is down is not called five times a second.
        TimeSpan? retry = null;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(retry ?? interval, _stop.Token).ConfigureAwait(false);
                retry = retry is { } last ? TimeSpan.FromTicks(Math.Min(last.Ticks * 2, interval.Ticks)) : TimeSpan.FromMilliseconds(200);
                if (!await KeepAliveOnceAsync(_stop.Token).ConfigureAwait(false))
                {
                    _logger.LogWarning("Lease of node {Node} expired; registering again", _self.NodeId);
                    Volatile.Write(ref _leaseId, 0);
                    await RegisterAsync(_stop.Token).ConfigureAwait(false);
                    Reregistered?.Invoke(LeaseId);
                }

                retry = null;
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (NodeIdTakenException e)
            {
                // Another process took the id while this one was cut off: keep trying, it may be gone by the next round.
                _logger.LogError(e, "Node {Node} cannot register again", _self.NodeId);
            }
            catch (RpcException e)
            {
                _logger.LogDebug(e, "Keep-alive of node {Node} failed; retrying", _self.NodeId);
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                // Nothing may end this loop but Stop: a node whose keep-alive died would drop out of the cluster.
                _logger.LogError(e, "Keep-alive of node {Node} hit an unexpected error; retrying", _self.NodeId);
            }
        }
    }

    /// <summary>One keep-alive round trip; false when etcd no longer knows the lease.</summary>
    private async Task<bool> KeepAliveOnceAsync(CancellationToken cancellationToken)
    {
        long lease = LeaseId;
        if (lease == 0)
        {
            return false;
        }

        using AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call = _lease.LeaseKeepAlive(Call(cancellationToken));
        await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease }, cancellationToken).ConfigureAwait(false);
        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "etcd closed the keep-alive stream without an answer."));
        }

        return call.ResponseStream.Current.TTL > 0;
    }

    private static CallOptions Call(CancellationToken cancellationToken) => EtcdCalls.Options(TimeSpan.FromSeconds(3), cancellationToken);
}
