using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using V3Electionpb;

namespace VectorEngine.Sharding.Coordination;

/// <summary>
/// One coordinator at a time, through etcd's election API: every node campaigns under its registration lease, etcd
/// makes the oldest campaigner leader, and when that node dies its lease expires (TTL) and the next campaigner's
/// Campaign call returns. A node whose lease was replaced steps down and campaigns again under the new one.
/// </summary>
internal sealed class CoordinatorElection : IAsyncDisposable
{
    private readonly Election.ElectionClient _election;
    private readonly MemberRegistration _registration;
    private readonly ByteString _name;
    private readonly string _nodeId;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private CancellationTokenSource _term = new();
    private Task _loop = Task.CompletedTask;
    private volatile bool _isCoordinator;

    public CoordinatorElection(Election.ElectionClient election, MemberRegistration registration, EtcdKeys keys, string nodeId, ILogger logger)
    {
        _election = election;
        _registration = registration;
        _name = ByteString.CopyFromUtf8(keys.Election);
        _nodeId = nodeId;
        _logger = logger;
        _registration.Reregistered += _ => EndTerm();
    }

    /// <summary>True while this node holds the office.</summary>
    public bool IsCoordinator => _isCoordinator;

    /// <summary>Raised when this node becomes coordinator (true) or stops being it (false).</summary>
    public event Action<bool>? CoordinatorChanged;

    public void Start() => _loop = Task.Run(CampaignLoopAsync, CancellationToken.None);

    /// <summary>The node id of the current coordinator, or null when there is none.</summary>
    public async Task<string?> CurrentAsync(CancellationToken cancellationToken)
    {
        try
        {
            LeaderResponse leader = await _election.LeaderAsync(new LeaderRequest { Name = _name }, EtcdCalls.Options(TimeSpan.FromSeconds(3), cancellationToken)).ConfigureAwait(false);
            return leader.Kv?.Value.ToStringUtf8();
        }
        catch (RpcException e) when (e.Status.Detail.Contains("no leader", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        _term.Dispose();
    }

    private async Task CampaignLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            long lease = _registration.LeaseId;
            CancellationTokenSource term = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            Interlocked.Exchange(ref _term, term).Dispose();
            try
            {
                if (lease == 0)
                {
                    await Task.Delay(200, term.Token).ConfigureAwait(false);
                    continue;
                }

                _ = await _election.CampaignAsync(
                    new CampaignRequest { Name = _name, Lease = lease, Value = ByteString.CopyFromUtf8(_nodeId) },
                    cancellationToken: term.Token).ConfigureAwait(false);
                SetCoordinator(true);
                _logger.LogInformation("Node {Node} is the cluster coordinator", _nodeId);

                // The office lasts as long as the lease: held until the registration moves to a new lease or the node stops.
                await Task.Delay(Timeout.Infinite, term.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && term.IsCancellationRequested)
            {
            }
            catch (RpcException e)
            {
                _logger.LogDebug(e, "Campaign of node {Node} failed; trying again", _nodeId);
                await DelayQuietly(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
            }

            if (_isCoordinator)
            {
                SetCoordinator(false);
                _logger.LogInformation("Node {Node} stepped down as coordinator", _nodeId);
            }
        }
    }

    /// <summary>Ends the current campaign or office (the lease it ran under is gone); the loop campaigns again.</summary>
    private void EndTerm()
    {
        try
        {
            Volatile.Read(ref _term).Cancel();
        }
        catch (ObjectDisposedException)
        {
            // That term had already ended and been replaced.
        }
    }

    private void SetCoordinator(bool value)
    {
        _isCoordinator = value;
        CoordinatorChanged?.Invoke(value);
    }

    private async Task DelayQuietly(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
