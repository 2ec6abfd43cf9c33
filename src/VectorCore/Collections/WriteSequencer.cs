namespace VectorEngine.Collections;

/// <summary>
/// Applies writes in WAL order after they are durable. A writer takes a ticket when it appends its record (under the
/// append lock, so ticket order is log order), waits for its fsync outside every lock (group commit), then waits its
/// turn and applies. A write whose fsync failed abandons its ticket: it is never applied, so it is never visible, and
/// the writers behind it go on in order. Sealing drains the sequencer first, so no record appended to the old WAL
/// is still waiting to be applied when that WAL is retired.
/// </summary>
internal sealed class WriteSequencer
{
    private readonly object _gate = new();
    private readonly HashSet<long> _abandoned = [];
    private readonly Dictionary<long, TaskCompletionSource> _turns = [];
    private long _issued;
    private long _next;

    /// <summary>Hands out the next ticket; the caller holds the append lock.</summary>
    public long Issue()
    {
        lock (_gate)
        {
            return _issued++;
        }
    }

    /// <summary>Blocks until every earlier ticket has been applied or abandoned.</summary>
    public void WaitTurn(long ticket)
    {
        lock (_gate)
        {
            while (_next != ticket)
            {
                Monitor.Wait(_gate);
            }
        }
    }

    /// <summary>Completes when every earlier ticket has been applied or abandoned, holding no thread meanwhile.</summary>
    public Task WaitTurnAsync(long ticket)
    {
        lock (_gate)
        {
            if (_next == ticket)
            {
                return Task.CompletedTask;
            }

            var turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _turns.Add(ticket, turn);
            return turn.Task;
        }
    }

    /// <summary>Marks the ticket (whose turn it is) applied.</summary>
    public void Done(long ticket)
    {
        lock (_gate)
        {
            System.Diagnostics.Debug.Assert(_next == ticket);
            _next++;
            SkipAbandoned();
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Gives a ticket up without applying it (its record is not durable).</summary>
    public void Abandon(long ticket)
    {
        lock (_gate)
        {
            if (_next == ticket)
            {
                _next++;
            }
            else
            {
                _abandoned.Add(ticket);
            }

            SkipAbandoned();
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Blocks until every ticket issued so far is applied or abandoned; the caller holds the append lock.</summary>
    public void Drain()
    {
        lock (_gate)
        {
            while (_next != _issued)
            {
                Monitor.Wait(_gate);
            }
        }
    }

    // Moves past abandoned tickets, then hands the turn to an asynchronous waiter if the next ticket has one (a
    // synchronous one wakes on the pulse that follows).
    private void SkipAbandoned()
    {
        while (_abandoned.Remove(_next))
        {
            _next++;
        }

        if (_turns.Remove(_next, out TaskCompletionSource? turn))
        {
            turn.SetResult();
        }
    }
}
