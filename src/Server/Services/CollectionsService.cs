using System.Diagnostics;
using Grpc.Core;
using VectorEngine.Api.V1;
using VectorEngine.Protocol.Mapping;
using VectorEngine.Server.Hosting;
using VectorEngine.Server.Security;

namespace VectorEngine.Server.Services;

/// <summary>vectorengine.v1.Collections: create, list, describe and drop collections.</summary>
/// <param name="host">The database.</param>
public sealed class CollectionsService(DatabaseHost host) : Api.V1.Collections.CollectionsBase
{
    /// <inheritdoc />
    public override Task<CollectionOperationResponse> Create(CreateCollection request, ServerCallContext context)
    {
        var clock = Stopwatch.StartNew();
        host.Database.CreateCollection(request.CollectionName, request.ToEngine());
        return Task.FromResult(new CollectionOperationResponse { Result = true, Time = clock.Elapsed.TotalSeconds });
    }

    /// <inheritdoc />
    public override Task<ListCollectionsResponse> List(ListCollectionsRequest request, ServerCallContext context)
    {
        var clock = Stopwatch.StartNew();
        // A key limited to some collections sees only those.
        List<string>? allowed = context?.UserState.TryGetValue(typeof(ApiKeyOptions), out object? key) == true ? ((ApiKeyOptions)key!).Collections : null;
        var response = new ListCollectionsResponse
        {
            Collections =
            {
                host.Database.ListCollections()
                    .Where(name => allowed is null || allowed.Count == 0 || allowed.Contains(name))
                    .Select(name => new CollectionDescription { Name = name }),
            },
        };
        response.Time = clock.Elapsed.TotalSeconds;
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override Task<GetCollectionInfoResponse> Get(GetCollectionInfoRequest request, ServerCallContext context)
    {
        var clock = Stopwatch.StartNew();
        Api.V1.CollectionInfo info = host.Database.GetCollection(request.CollectionName).GetInfo().ToWire();
        return Task.FromResult(new GetCollectionInfoResponse { Result = info, Time = clock.Elapsed.TotalSeconds });
    }

    /// <inheritdoc />
    public override Task<CollectionOperationResponse> Checkpoint(CheckpointCollection request, ServerCallContext context)
    {
        var clock = Stopwatch.StartNew();
        host.Database.GetCollection(request.CollectionName).Checkpoint();
        return Task.FromResult(new CollectionOperationResponse { Result = true, Time = clock.Elapsed.TotalSeconds });
    }

    /// <inheritdoc />
    public override Task<CollectionOperationResponse> Delete(DeleteCollection request, ServerCallContext context)
    {
        var clock = Stopwatch.StartNew();
        host.Database.DropCollection(request.CollectionName);
        return Task.FromResult(new CollectionOperationResponse { Result = true, Time = clock.Elapsed.TotalSeconds });
    }
}
