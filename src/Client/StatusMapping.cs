using Grpc.Core;

namespace VectorEngine.Client;

/// <summary>
/// One table between the engine's error kinds and gRPC status codes, used by the server to answer and by the client
/// to raise the same exception types the embedded engine throws.
/// </summary>
public static class StatusMapping
{
    /// <summary>The status code for an engine error kind.</summary>
    /// <param name="kind">The error kind.</param>
    public static StatusCode ToStatus(VectorEngineErrorKind kind) => kind switch
    {
        VectorEngineErrorKind.InvalidArgument => StatusCode.InvalidArgument,
        VectorEngineErrorKind.NotFound => StatusCode.NotFound,
        VectorEngineErrorKind.AlreadyExists => StatusCode.AlreadyExists,
        VectorEngineErrorKind.FailedPrecondition => StatusCode.FailedPrecondition,
        VectorEngineErrorKind.DataCorruption => StatusCode.DataLoss,
        VectorEngineErrorKind.Closed => StatusCode.Unavailable,
        _ => StatusCode.Internal,
    };

    /// <summary>The exception a client raises for a failed call: the engine's types where the status has one.</summary>
    /// <param name="error">The failed call.</param>
    public static Exception ToException(RpcException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        string message = error.Status.Detail;
        return error.StatusCode switch
        {
            StatusCode.InvalidArgument => new VectorEngineArgumentException(message, error.Trailers.GetValue("field") ?? "request"),
            StatusCode.NotFound => new VectorEngineException(VectorEngineErrorKind.NotFound, message, error),
            StatusCode.AlreadyExists => new VectorEngineException(VectorEngineErrorKind.AlreadyExists, message, error),
            StatusCode.FailedPrecondition => new VectorEngineException(VectorEngineErrorKind.FailedPrecondition, message, error),
            StatusCode.DataLoss => new VectorEngineException(VectorEngineErrorKind.DataCorruption, message, error),
            _ => error,
        };
    }
}
