using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace VectorEngine.Server.Security;

/// <summary>
/// API-key authorisation for the vectorengine.v1 services when keys are configured: a missing or unknown key gets
/// Unauthenticated, a key without the method's scope or outside its collections PermissionDenied. Health and
/// reflection stay open (orchestrators probe them). Keys are compared in constant time and never logged or echoed.
/// </summary>
public sealed class ApiKeyInterceptor : Interceptor
{
    private const string ServicePrefix = "/vectorengine.v1.";

    // Node-to-node calls: with keys configured they need an Admin key (peers present Cluster:PeerApiKey).
    private const string ClusterPrefix = "/vectorengine.cluster.v1.";

    private static readonly Dictionary<string, ApiKeyScope> Scopes = new(StringComparer.Ordinal)
    {
        ["Collections/List"] = ApiKeyScope.Read,
        ["Collections/Get"] = ApiKeyScope.Read,
        ["Collections/Create"] = ApiKeyScope.Admin,
        ["Collections/Delete"] = ApiKeyScope.Admin,
        ["Collections/Checkpoint"] = ApiKeyScope.Admin,
        ["Points/Get"] = ApiKeyScope.Read,
        ["Points/Scroll"] = ApiKeyScope.Read,
        ["Points/Count"] = ApiKeyScope.Read,
        ["Points/Search"] = ApiKeyScope.Read,
        ["Points/SearchBatch"] = ApiKeyScope.Read,
        ["Points/SearchStream"] = ApiKeyScope.Read,
        ["Points/Upsert"] = ApiKeyScope.Write,
        ["Points/UpsertStream"] = ApiKeyScope.Write,
        ["Points/Delete"] = ApiKeyScope.Write,

        // Node-to-node calls need Admin (the default), except the shard maps a cluster-aware client reads to route.
        ["ShardPeer/ShardMaps"] = ApiKeyScope.Read,
    };

    private readonly (byte[] Secret, ApiKeyOptions Options)[] _keys;

    /// <summary>Creates the interceptor from the configured keys.</summary>
    /// <param name="options">Server settings.</param>
    public ApiKeyInterceptor(IOptions<ServerOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keys = options.Value.ApiKeys.Select(k => (Encoding.UTF8.GetBytes(k.Key), k)).ToArray();
    }

    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        ApiKeyOptions? key = Authorize(context);
        CheckCollection(key, request);
        return continuation(request, context);
    }

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        ApiKeyOptions? key = Authorize(context);
        return continuation(key is null ? requestStream : new CheckedStream<TRequest>(requestStream, this, key), context);
    }

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        ApiKeyOptions? key = Authorize(context);
        CheckCollection(key, request);
        return continuation(request, responseStream, context);
    }

    /// <inheritdoc />
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        ApiKeyOptions? key = Authorize(context);
        return continuation(key is null ? requestStream : new CheckedStream<TRequest>(requestStream, this, key), responseStream, context);
    }

    /// <summary>The caller's key when keys are configured and the method needs one; null when no check applies.</summary>
    private ApiKeyOptions? Authorize(ServerCallContext context)
    {
        bool peer = context.Method.StartsWith(ClusterPrefix, StringComparison.Ordinal);
        if (_keys.Length == 0 || !(peer || context.Method.StartsWith(ServicePrefix, StringComparison.Ordinal)))
        {
            return null;
        }

        ApiKeyOptions key = Find(context.RequestHeaders)
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "A valid API key is required (header 'api-key')."));
        string method = context.Method[(peer ? ClusterPrefix : ServicePrefix).Length..];
        ApiKeyScope needed = Scopes.GetValueOrDefault(method, ApiKeyScope.Admin);
        if (key.Scope < needed)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"This API key has scope {key.Scope}; {method} needs {needed}."));
        }

        context.UserState[typeof(ApiKeyOptions)] = key;
        return key;
    }

    private ApiKeyOptions? Find(Metadata headers)
    {
        string? presented = headers.GetValue("api-key");
        if (presented is null && headers.GetValue("authorization") is { } authorization
            && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            presented = authorization["Bearer ".Length..].Trim();
        }

        if (string.IsNullOrEmpty(presented))
        {
            return null;
        }

        byte[] bytes = Encoding.UTF8.GetBytes(presented);
        ApiKeyOptions? found = null;
        foreach ((byte[] secret, ApiKeyOptions options) in _keys)
        {
            // Every key is compared, each in constant time, so timing reveals neither which key nor how much matched.
            if (secret.Length == bytes.Length && CryptographicOperations.FixedTimeEquals(secret, bytes))
            {
                found = options;
            }
        }

        return found;
    }

    private void CheckCollection<TRequest>(ApiKeyOptions? key, TRequest request)
    {
        if (key is null || key.Collections.Count == 0 || request is not IMessage message)
        {
            return;
        }

        FieldDescriptor? field = message.Descriptor.FindFieldByName("collection_name");
        // An empty name targets no collection by itself (the data messages of a restore stream after the first).
        if (field?.Accessor.GetValue(message) is string { Length: > 0 } name && !key.Collections.Contains(name, StringComparer.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"This API key may not access collection '{name}'."));
        }
    }

    /// <summary>Checks the collection of every message of a client stream before the service sees it.</summary>
    private sealed class CheckedStream<T>(IAsyncStreamReader<T> inner, ApiKeyInterceptor owner, ApiKeyOptions key) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            bool more = await inner.MoveNext(cancellationToken).ConfigureAwait(false);
            if (more)
            {
                owner.CheckCollection(key, inner.Current);
            }

            return more;
        }
    }
}
