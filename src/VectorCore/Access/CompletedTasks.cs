namespace VectorEngine;

/// <summary>Runs synchronous engine work as a completed task, its exceptions inside the task (as a remote call's would be).</summary>
internal static class CompletedTasks
{
    public static Task<T> Run<T>(Func<T> work, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        try
        {
            return Task.FromResult(work());
        }
        catch (OperationCanceledException e) when (e.CancellationToken == cancellationToken)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }
}
