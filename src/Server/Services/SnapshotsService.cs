using System.Diagnostics;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using VectorEngine.Api.V1;
using VectorEngine.Server.Hosting;
using VectorEngine.Server.Security;

namespace VectorEngine.Server.Services;

/// <summary>
/// vectorengine.v1.Snapshots: archives kept under <see cref="ServerOptions.EffectiveSnapshotsDirectory"/>/COLLECTION, named by
/// collection and UTC time; names are checked against a strict pattern, so no request reaches outside that folder.
/// </summary>
public sealed partial class SnapshotsService : Api.V1.Snapshots.SnapshotsBase
{
    private const string Extension = ".snapshot";
    private const int ChunkBytes = 1 << 20;

    private readonly DatabaseHost _host;
    private readonly string _root;
    private readonly long _maxUploadBytes;

    /// <summary>Creates the service.</summary>
    /// <param name="host">The database.</param>
    /// <param name="options">Where snapshots are kept.</param>
    public SnapshotsService(DatabaseHost host, IOptions<ServerOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _host = host;
        _root = Path.GetFullPath(options.Value.EffectiveSnapshotsDirectory);
        _maxUploadBytes = options.Value.MaxSnapshotUploadBytes;
    }

    /// <inheritdoc />
    public override Task<CreateSnapshotResponse> Create(CreateSnapshotRequest request, ServerCallContext context)
    {
        var clock = Stopwatch.StartNew();
        Collection collection = _host.Database.GetCollection(request.CollectionName);
        string folder = Directory.CreateDirectory(Path.Combine(_root, collection.Name)).FullName;
        string name = $"{collection.Name}-{DateTime.UtcNow:yyyyMMdd-HHmmss-fff}{Extension}";
        string path = Path.Combine(folder, name);
        collection.CreateSnapshot(path);
        return Task.FromResult(new CreateSnapshotResponse { SnapshotDescription = Describe(path), Time = clock.Elapsed.TotalSeconds });
    }

    /// <inheritdoc />
    public override Task<ListSnapshotsResponse> List(ListSnapshotsRequest request, ServerCallContext context)
    {
        var clock = Stopwatch.StartNew();
        Collection collection = _host.Database.GetCollection(request.CollectionName);
        string folder = Path.Combine(_root, collection.Name);
        var response = new ListSnapshotsResponse();
        if (Directory.Exists(folder))
        {
            response.SnapshotDescriptions.Add(Directory.GetFiles(folder, "*" + Extension).Order(StringComparer.Ordinal).Select(Describe));
        }

        response.Time = clock.Elapsed.TotalSeconds;
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override async Task Download(DownloadSnapshotRequest request, IServerStreamWriter<SnapshotChunk> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        string path = Existing(request.CollectionName, request.SnapshotName);
        await using FileStream file = File.OpenRead(path);
        byte[] buffer = new byte[ChunkBytes];
        int read;
        while ((read = await file.ReadAsync(buffer, context.CancellationToken).ConfigureAwait(false)) > 0)
        {
            await responseStream.WriteAsync(new SnapshotChunk { Data = ByteString.CopyFrom(buffer, 0, read) }, context.CancellationToken)
                .ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override async Task<CollectionOperationResponse> Restore(IAsyncStreamReader<RestoreSnapshotRequest> requestStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(_root);
        string upload = Path.Combine(_root, $".upload-{Guid.NewGuid():N}{Extension}");
        string? name = null;
        try
        {
            await using (FileStream file = File.Create(upload))
            {
                long received = 0;
                while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
                {
                    name ??= requestStream.Current.CollectionName;
                    received += requestStream.Current.Data.Length;
                    if (received > _maxUploadBytes)
                    {
                        throw new RpcException(new Status(StatusCode.ResourceExhausted,
                            $"The snapshot upload exceeds Server:MaxSnapshotUploadBytes ({_maxUploadBytes:N0} bytes)."));
                    }

                    await file.WriteAsync(requestStream.Current.Data.Memory, context.CancellationToken).ConfigureAwait(false);
                }
            }

            if (name is null)
            {
                throw new VectorEngineArgumentException("The restore stream was empty: send the collection name and the archive's bytes.", "data");
            }

            if (name.Length == 0 && context.UserState.TryGetValue(typeof(ApiKeyOptions), out object? key) && ((ApiKeyOptions)key!).Collections.Count > 0)
            {
                throw new RpcException(new Status(StatusCode.PermissionDenied, "A key limited to named collections must name the collection to restore."));
            }

            try
            {
                _host.Database.RestoreSnapshot(upload, name.Length == 0 ? null : name);
            }
            catch (DataCorruptionException e)
            {
                // The archive came from the caller: a damaged or crafted one is bad input, not data loss on the server.
                throw new VectorEngineArgumentException(e.Message, "data");
            }

            return new CollectionOperationResponse { Result = true, Time = clock.Elapsed.TotalSeconds };
        }
        finally
        {
            File.Delete(upload);
        }
    }

    /// <inheritdoc />
    public override Task<DeleteSnapshotResponse> Delete(DeleteSnapshotRequest request, ServerCallContext context)
    {
        var clock = Stopwatch.StartNew();
        File.Delete(Existing(request.CollectionName, request.SnapshotName));
        return Task.FromResult(new DeleteSnapshotResponse { Result = true, Time = clock.Elapsed.TotalSeconds });
    }

    /// <summary>The path of an existing snapshot of an existing collection.</summary>
    private string Existing(string collectionName, string snapshotName)
    {
        Collection collection = _host.Database.GetCollection(collectionName);
        if (!SnapshotName().IsMatch(snapshotName))
        {
            throw new VectorEngineArgumentException($"snapshot_name '{snapshotName}' is not a snapshot name.", "snapshot_name");
        }

        string path = Path.Combine(_root, collection.Name, snapshotName);
        return File.Exists(path)
            ? path
            : throw new VectorEngineException(VectorEngineErrorKind.NotFound, $"Snapshot '{snapshotName}' of collection '{collection.Name}' does not exist.");
    }

    private static SnapshotDescription Describe(string path)
    {
        var info = new FileInfo(path);
        return new SnapshotDescription
        {
            Name = info.Name,
            CreationTime = Timestamp.FromDateTime(info.LastWriteTimeUtc),
            Size = (ulong)info.Length,
        };
    }

    [GeneratedRegex(@"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*\.snapshot$")]
    private static partial Regex SnapshotName();
}
