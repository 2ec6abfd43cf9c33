namespace VectorEngine.Sharding.Replication;

/// <summary>A wake-up for one waiting loop: any number of <see cref="Set"/> calls before the wait count as one.</summary>
internal sealed class AsyncSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Wakes the waiter (now, or at its next wait).</summary>
    public void Set() => Volatile.Read(ref _next).TrySetResult();

    /// <summary>Waits for a <see cref="Set"/> since the last wait, or until <paramref name="timeout"/>; then rearms.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        TaskCompletionSource current = Volatile.Read(ref _next);
        try
        {
            await current.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        if (current.Task.IsCompleted)
        {
            Interlocked.CompareExchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), current);
        }
    }
}
