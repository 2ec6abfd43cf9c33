using Grpc.Core;

namespace VectorEngine.Server.Hosting;

/// <summary>
/// Turns every exception a service throws into a status through one table (<see cref="ErrorTranslation"/>); the field
/// at fault in an InvalidArgument travels in the "field" trailer.
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
            (Status status, string? field) = ErrorTranslation.Translate(e, context, logger);
            var trailers = new Metadata();
            if (field is not null)
            {
                trailers.Add("field", field);
            }

            throw new RpcException(status, trailers);
        }
    }
}
