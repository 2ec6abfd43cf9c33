using Grpc.Core;
using VectorEngine.Client;

namespace VectorEngine.Server.Hosting;

/// <summary>
/// Turns every exception a service throws into a status through one table (<see cref="StatusMapping"/>): engine
/// errors by their kind, other argument errors as InvalidArgument (the field named in the "field" trailer),
/// cancellation as Cancelled, anything else as Internal with the details only in the log.
/// </summary>
/// <param name="logger">Where unexpected failures are logged.</param>
public sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : AroundCallInterceptor
{
    /// <inheritdoc />
    protected override async Task<T> AroundAsync<T>(ServerCallContext context, Func<Task<T>> call)
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
