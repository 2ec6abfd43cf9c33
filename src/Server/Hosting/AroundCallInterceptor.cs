using Grpc.Core;
using Grpc.Core.Interceptors;

namespace VectorEngine.Server.Hosting;

/// <summary>
/// An interceptor that wraps every server call — unary, client-, server- and bidirectional streaming alike — in one
/// <see cref="AroundAsync{T}"/>, so timing or error translation is written once for all call shapes.
/// </summary>
public abstract class AroundCallInterceptor : Interceptor
{
    /// <inheritdoc />
    public sealed override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return AroundAsync(context, () => continuation(request, context));
    }

    /// <inheritdoc />
    public sealed override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return AroundAsync(context, () => continuation(requestStream, context));
    }

    /// <inheritdoc />
    public sealed override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return AroundAsync(context, async () =>
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            return true;
        });
    }

    /// <inheritdoc />
    public sealed override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return AroundAsync(context, async () =>
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
            return true;
        });
    }

    /// <summary>Runs the call; what the subclass does before, after or on failure.</summary>
    /// <typeparam name="T">The call's result.</typeparam>
    /// <param name="context">The call.</param>
    /// <param name="call">The rest of the pipeline.</param>
    protected abstract Task<T> AroundAsync<T>(ServerCallContext context, Func<Task<T>> call);
}
