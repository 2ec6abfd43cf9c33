using System.Diagnostics;
using Grpc.Core;
using VectorEngine.Server.Hosting;

namespace VectorEngine.Server.Observability;

/// <summary>Counts every call by method and final status code and records its latency; the outermost interceptor.</summary>
/// <param name="metrics">The server's metrics.</param>
public sealed class MetricsInterceptor(ServerMetrics metrics) : AroundCallInterceptor
{
    /// <inheritdoc />
    protected override async Task<T> AroundAsync<T>(ServerCallContext context, Func<Task<T>> call)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            T response = await call().ConfigureAwait(false);
            Record(context, start, StatusCode.OK);
            return response;
        }
        catch (RpcException e)
        {
            Record(context, start, e.StatusCode);
            throw;
        }
    }

    private void Record(ServerCallContext context, long start, StatusCode code)
    {
        metrics.Requests.WithLabels(context.Method, code.ToString()).Inc();
        metrics.Latency.WithLabels(context.Method).Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }
}
