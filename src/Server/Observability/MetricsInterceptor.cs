using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace VectorEngine.Server.Observability;

/// <summary>Counts every call by method and final status code and records its latency; the outermost interceptor.</summary>
/// <param name="metrics">The server's metrics.</param>
public sealed class MetricsInterceptor(ServerMetrics metrics) : Interceptor
{
    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return Measure(context, () => continuation(request, context));
    }

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return Measure(context, () => continuation(requestStream, context));
    }

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return Measure(context, async () =>
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            return true;
        });
    }

    private async Task<T> Measure<T>(ServerCallContext context, Func<Task<T>> call)
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
