using Grpc.Core;

namespace VectorEngine.Protocol;

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
        VectorEngineErrorKind.StorageFailure => StatusCode.Unavailable,
        VectorEngineErrorKind.Unavailable => StatusCode.Unavailable,
        _ => StatusCode.Internal,
    };

    /// <summary>The exception a client raises for a failed call: the engine's types where the status has one.</summary>
    /// <param name="error">The failed call.</param>
    public static Exception ToException(RpcException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return ToException(error.StatusCode, error.Status.Detail, error.Trailers.GetValue("field"), error);
    }

    /// <summary>The exception for one failed message of a stream (or a call): the engine's types where the status has
    /// one, else an <see cref="RpcException"/> with the status.</summary>
    /// <param name="code">The status code.</param>
    /// <param name="message">The status detail.</param>
    /// <param name="field">The request field at fault, for InvalidArgument.</param>
    /// <param name="call">The failed call, when the whole call failed.</param>
    public static Exception ToException(StatusCode code, string message, string? field, RpcException? call = null)
    {
        RpcException rpc = call ?? new RpcException(new Status(code, message));
        return code switch
        {
            StatusCode.InvalidArgument => new VectorEngineArgumentException(message, string.IsNullOrEmpty(field) ? "request" : field),
            StatusCode.NotFound => new VectorEngineException(VectorEngineErrorKind.NotFound, message, rpc),
            StatusCode.AlreadyExists => new VectorEngineException(VectorEngineErrorKind.AlreadyExists, message, rpc),
            StatusCode.FailedPrecondition => new VectorEngineException(VectorEngineErrorKind.FailedPrecondition, message, rpc),
            StatusCode.DataLoss => new VectorEngineException(VectorEngineErrorKind.DataCorruption, message, rpc),
            _ => rpc,
        };
    }
}
