using Grpc.Core;
using Grpc.Core.Interceptors;
using VectorEngine.Client;

namespace VectorEngine.Server.Hosting;

/// <summary>
/// Turns every exception a service throws into a status through one table (<see cref="StatusMapping"/>): engine
/// errors by their kind, other argument errors as InvalidArgument (the field named in the "field" trailer),
/// cancellation as Cancelled, anything else as Internal with the details only in the log.
/// </summary>
/// <param name="logger">Where unexpected failures are logged.</param>
public sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return Guard(context, () => continuation(request, context));
    }

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return Guard(context, () => continuation(requestStream, context));
    }

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return Guard(context, async () =>
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            return true;
        });
    }

    private async Task<T> Guard<T>(ServerCallContext context, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Translate(e, context);
        }
    }

    private RpcException Translate(Exception error, ServerCallContext context)
    {
        switch (error)
        {
            case ArgumentException argument:
                var trailers = new Metadata();
                if (argument.ParamName is { } field)
                {
                    trailers.Add("field", field);
                }

                return new RpcException(new Status(StatusCode.InvalidArgument, PlainMessage(argument)), trailers);
            case IVectorEngineError engine:
                return new RpcException(new Status(StatusMapping.ToStatus(engine.Kind), error.Message));
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return new RpcException(new Status(StatusCode.Cancelled, "The call was cancelled."));
            default:
                logger.LogError(error, "Unexpected failure in {Method}", context.Method);
                return new RpcException(new Status(StatusCode.Internal, "Internal error; see the server log."));
        }
    }

    /// <summary>The message without .NET's " (Parameter 'x')" suffix: the field travels in its own trailer.</summary>
    private static string PlainMessage(ArgumentException error)
    {
        string suffix = $" (Parameter '{error.ParamName}')";
        return error.ParamName is not null && error.Message.EndsWith(suffix, StringComparison.Ordinal)
            ? error.Message[..^suffix.Length]
            : error.Message;
    }
}
