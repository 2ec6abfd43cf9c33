using Grpc.Core;
using Etcdserverpb;
using Google.Protobuf;
using Mvccpb;
using VectorEngine.Sharding.Placement;

namespace VectorEngine.Sharding.Coordination;

/// <summary>
/// The cluster's collections in etcd. Every change is a transaction that compares what it read: a create succeeds
/// only where no key exists (two nodes creating one name concurrently: one wins, the other gets
/// <see cref="CollectionAlreadyExistsException"/>), an update only at the mod revision it read.
/// </summary>
internal sealed class CollectionCatalog
{
    private readonly KV.KVClient _kv;
    private readonly EtcdKeys _keys;

    public CollectionCatalog(KV.KVClient kv, EtcdKeys keys)
    {
        _kv = kv;
        _keys = keys;
    }

    /// <summary>Stores a new collection; returns it with its version.</summary>
    /// <exception cref="CollectionAlreadyExistsException">The name is taken.</exception>
    public async Task<ClusterCollection> CreateAsync(ClusterCollection collection, CancellationToken cancellationToken)
    {
        ByteString key = ByteString.CopyFromUtf8(_keys.Collection(collection.Name));
        TxnResponse response = await _kv.TxnAsync(new TxnRequest
        {
            Compare = { new Compare { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 } },
            Success = { new RequestOp { RequestPut = new PutRequest { Key = key, Value = ByteString.CopyFrom(collection.ToJson()) } } },
        }, Call(cancellationToken)).ConfigureAwait(false);
        if (!response.Succeeded)
        {
            throw new CollectionAlreadyExistsException(collection.Name);
        }

        return new ClusterCollection(collection.Options, collection.Map.With(response.Header.Revision, collection.Map.Shards), response.Header.Revision, collection.Replication);
    }

    /// <summary>Replaces a collection's shard assignments if it is still at the version it was read at.</summary>
    /// <returns>The stored collection, or null when another change came first (read again and retry).</returns>
    public async Task<ClusterCollection?> TryUpdateAsync(ClusterCollection read, IReadOnlyList<ShardAssignment> shards, CancellationToken cancellationToken)
    {
        ByteString key = ByteString.CopyFromUtf8(_keys.Collection(read.Name));
        ClusterCollection updated = read.WithShards(read.Map.Version, shards);
        TxnResponse response = await _kv.TxnAsync(new TxnRequest
        {
            Compare = { new Compare { Key = key, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = read.Map.Version } },
            Success = { new RequestOp { RequestPut = new PutRequest { Key = key, Value = ByteString.CopyFrom(updated.ToJson()) } } },
        }, Call(cancellationToken)).ConfigureAwait(false);
        return response.Succeeded ? read.WithShards(response.Header.Revision, shards) : null;
    }

    /// <summary>Removes a collection; false when it did not exist.</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        DeleteRangeResponse response = await _kv.DeleteRangeAsync(new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(_keys.Collection(name)) }, Call(cancellationToken)).ConfigureAwait(false);
        return response.Deleted > 0;
    }

    /// <summary>One collection as stored now, or null.</summary>
    public async Task<ClusterCollection?> GetAsync(string name, CancellationToken cancellationToken)
    {
        RangeResponse response = await _kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(_keys.Collection(name)) }, Call(cancellationToken)).ConfigureAwait(false);
        return response.Kvs.Count == 0 ? null : Parse(response.Kvs[0]);
    }

    /// <summary>Reads a stored record (the key names the collection).</summary>
    public ClusterCollection Parse(KeyValue kv) =>
        ClusterCollection.FromJson(kv.Key.ToStringUtf8()[_keys.Collections.Length..], kv.ModRevision, kv.CreateRevision, kv.Value.Span);

    private static CallOptions Call(CancellationToken cancellationToken) => EtcdCalls.Options(TimeSpan.FromSeconds(5), cancellationToken);
}
