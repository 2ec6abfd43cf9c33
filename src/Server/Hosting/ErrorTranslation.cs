using Grpc.Core;
using VectorEngine.Protocol;

namespace VectorEngine.Server.Hosting;

/// <summary>
/// The one table from exceptions to gRPC statuses (<see cref="StatusMapping"/> for engine errors), shared by whole
/// calls (<see cref="ErrorInterceptor"/>) and by single messages of a stream that answers each with its own status.
/// </summary>
public static class ErrorTranslation
{
    /// <summary>The status for a failure: engine errors by their kind, other argument errors as InvalidArgument (with
    /// the field at fault), cancellation as Cancelled, anything else as Internal with the details logged only.</summary>
    /// <param name="error">The failure.</param>
    /// <param name="context">The call it happened in.</param>
    /// <param name="logger">Where unexpected failures are logged.</param>
    public static (Status Status, string? Field) Translate(Exception error, ServerCallContext context, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(context);
        switch (error)
        {
            case RpcException rpc:
                return (rpc.Status, null);
            case ArgumentException argument:
                return (new Status(StatusCode.InvalidArgument, PlainMessage(argument)), argument.ParamName);
            case IVectorEngineError engine:
                return (new Status(StatusMapping.ToStatus(engine.Kind), error.Message), null);
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return (new Status(StatusCode.Cancelled, "The call was cancelled."), null);
            default:
                logger.LogError(error, "Unexpected failure in {Method}", context.Method);
                return (new Status(StatusCode.Internal, "Internal error; see the server log."), null);
        }
    }

    /// <summary>The message without .NET's " (Parameter 'x')" suffix: the field travels on its own.</summary>
    private static string PlainMessage(ArgumentException error)
    {
        string suffix = $" (Parameter '{error.ParamName}')";
        return error.ParamName is not null && error.Message.EndsWith(suffix, StringComparison.Ordinal)
            ? error.Message[..^suffix.Length]
            : error.Message;
    }
}
