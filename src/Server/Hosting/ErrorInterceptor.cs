using Grpc.Core;

namespace VectorEngine.Server.Hosting;

/// <summary>
/// Turns every exception a service throws into a status through one table (<see cref="ErrorTranslation"/>); the field
/// at fault in an InvalidArgument travels in the "field" trailer; a cluster write that reached some shards and not others
/// names them in the "failed-shards" and (when any applied) "applied-shards" trailers (comma-separated shard ids).
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

            if (e is Sharding.Routing.ShardWriteException partial)
            {
                if (partial.Applied.Count > 0)
                {
                    trailers.Add("applied-shards", string.Join(',', partial.Applied.Order()));
                }

                trailers.Add("failed-shards", string.Join(',', partial.Failed.Keys.Order()));
            }

            throw new RpcException(status, trailers);
        }
    }
}
