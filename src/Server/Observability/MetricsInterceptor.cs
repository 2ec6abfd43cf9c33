using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace VectorEngine.Server.Observability;

/// <summary>Counts every call by method and final status code and records its latency; the outermost interceptor.</summary>
/// <param name="metrics">The server's metrics.</param>
public sealed class MetricsInterceptor(ServerMetrics metrics) : Interceptor
{
    /// <inheritdoc />
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        long start = Stopwatch.GetTimestamp();
        try
        {
            TResponse response = await continuation(request, context).ConfigureAwait(false);
            Record(context, start, StatusCode.OK);
            return response;
        }
        catch (RpcException e)
        {
            Record(context, start, e.StatusCode);
            throw;
        }
    }

    /// <inheritdoc />
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        long start = Stopwatch.GetTimestamp();
        try
        {
            TResponse response = await continuation(requestStream, context).ConfigureAwait(false);
            Record(context, start, StatusCode.OK);
            return response;
        }
        catch (RpcException e)
        {
            Record(context, start, e.StatusCode);
            throw;
        }
    }

    /// <inheritdoc />
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        long start = Stopwatch.GetTimestamp();
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            Record(context, start, StatusCode.OK);
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
