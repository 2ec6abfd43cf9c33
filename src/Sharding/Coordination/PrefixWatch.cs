using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Mvccpb;

namespace VectorEngine.Sharding.Coordination;

/// <summary>
/// A live copy of every key under a prefix: read whole, then kept current by an etcd watch from the revision that
/// read saw, so no change falls between the two. When the watch breaks (etcd restarted, a network error, history
/// compacted past where it was) it reads the prefix whole again and resumes: a consumer sees a fresh snapshot after
/// every change, never a partial one.
/// </summary>
internal sealed class PrefixWatch : IAsyncDisposable
{
    private readonly KV.KVClient _kv;
    private readonly Watch.WatchClient _watch;
    private readonly string _prefix;
    private readonly Action<IReadOnlyDictionary<string, KeyValue>> _changed;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstSnapshot = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _holding = new();
    private Task _loop = Task.CompletedTask;
    private bool _held;
    private Dictionary<string, KeyValue>? _pending;

    public PrefixWatch(KV.KVClient kv, Watch.WatchClient watch, string prefix, Action<IReadOnlyDictionary<string, KeyValue>> changed, ILogger logger)
    {
        _kv = kv;
        _watch = watch;
        _prefix = prefix;
        _changed = changed;
        _logger = logger;
    }

    /// <summary>Starts watching; completes once the first snapshot has been delivered.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(RunAsync, CancellationToken.None);
        return _firstSnapshot.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        TimeSpan backoff = TimeSpan.FromMilliseconds(100);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await ReadThenFollowAsync(_stop.Token).ConfigureAwait(false);
                backoff = TimeSpan.FromMilliseconds(100);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Whatever broke it (etcd gone, a reset connection, a cancelled or compacted watch, an unreadable
                // record), the loop must outlive it: a watch that died quietly would leave this node's view stale.
                _logger.LogDebug(e, "Watch of {Prefix} broke; reading it whole again in {Backoff}", _prefix, backoff);
            }

            try
            {
                await Task.Delay(backoff, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        }
    }

    private async Task ReadThenFollowAsync(CancellationToken cancellationToken)
    {
        ByteString key = ByteString.CopyFromUtf8(_prefix);
        ByteString end = ByteString.CopyFromUtf8(EtcdKeys.RangeEnd(_prefix));
        RangeResponse range = await _kv.RangeAsync(new RangeRequest { Key = key, RangeEnd = end }, EtcdCalls.Options(TimeSpan.FromSeconds(5), cancellationToken)).ConfigureAwait(false);
        var current = new Dictionary<string, KeyValue>(StringComparer.Ordinal);
        foreach (KeyValue kv in range.Kvs)
        {
            current[kv.Key.ToStringUtf8()] = kv;
        }

        Deliver(current);
        using AsyncDuplexStreamingCall<WatchRequest, WatchResponse> call = _watch.Watch(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest { Key = key, RangeEnd = end, StartRevision = range.Header.Revision + 1 },
        }, cancellationToken).ConfigureAwait(false);
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            WatchResponse response = call.ResponseStream.Current;
            if (response.Canceled || response.CompactRevision > 0)
            {
                throw new InvalidOperationException($"etcd ended the watch of {_prefix}: {response.CancelReason} (compacted to {response.CompactRevision}).");
            }

            if (response.Events.Count == 0)
            {
                continue;
            }

            foreach (Event change in response.Events)
            {
                string name = change.Kv.Key.ToStringUtf8();
                if (change.Type == Event.Types.EventType.Delete)
                {
                    current.Remove(name);
                }
                else
                {
                    current[name] = change.Kv;
                }
            }

            Deliver(current);
        }

        throw new InvalidOperationException($"etcd closed the watch of {_prefix}.");
    }

    /// <summary>
    /// A fault for tests: the watch lags etcd (as on a loaded machine) until the returned handle is disposed, which
    /// delivers the newest snapshot held back. The consumer keeps the view it had.
    /// </summary>
    internal IDisposable Hold()
    {
        lock (_holding)
        {
            _held = true;
        }

        return new Release(this);
    }

    private void Deliver(Dictionary<string, KeyValue> current)
    {
        var snapshot = new Dictionary<string, KeyValue>(current, StringComparer.Ordinal);
        lock (_holding)
        {
            if (_held)
            {
                _pending = snapshot;
                return;
            }

            _changed(snapshot);
        }

        _firstSnapshot.TrySetResult();
    }

    private sealed class Release(PrefixWatch watch) : IDisposable
    {
        public void Dispose()
        {
            lock (watch._holding)
            {
                watch._held = false;
                if (watch._pending is { } pending)
                {
                    watch._pending = null;
                    watch._changed(pending);
                }
            }
        }
    }
}
