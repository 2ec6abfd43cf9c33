using Grpc.Core;
using VectorEngine.Api.V1;
using VectorEngine.Protocol.Mapping;
using VectorEngine.Sharding.Placement;

namespace VectorEngine.Cluster.Tests;

/// <summary>Checks over a running cluster's collections: all ids through the router, and each shard's copies read one by one.</summary>
internal static class ClusterChecks
{
    /// <summary>Every id in the collection, read through the router with every shard required (ids must be numbers).</summary>
    public static async Task<HashSet<ulong>> AllIds(Points.PointsClient points, string collection) => [.. await IdsInPagesAsync(points, collection)];

    /// <summary>
    /// Every id, or null while some shard cannot answer yet (nodes just restarted: their copies are still catching up),
    /// for checks that wait until the cluster serves again.
    /// </summary>
    public static async Task<HashSet<ulong>?> AllIdsOnceServing(Points.PointsClient points, string collection)
    {
        try
        {
            return await AllIds(points, collection);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            return null;
        }
    }

    /// <summary>
    /// Upserts a batch, retrying while the cluster answers Unavailable (a shard whose primary is still being bound right
    /// after the collection was created, or moved): the cluster's contract is that each shard's part is whole or absent,
    /// so the whole batch may be sent again. Bounded: 60 tries within 30 s.
    /// </summary>
    public static async Task UpsertUntilAcknowledgedAsync(Points.PointsClient points, UpsertPoints upsert)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await points.UpsertAsync(upsert, deadline: DateTime.UtcNow.AddSeconds(20));
                return;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable && attempt < 60 && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(250);
            }
        }
    }

    /// <summary>
    /// Runs a write through the typed client, retrying while the cluster answers Unavailable (right after a create, a
    /// shard's primary may still be being bound), as the contract allows: bounded to 60 tries within 30 s.
    /// </summary>
    public static async Task RetryUnavailableAsync(Func<Task> write)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await write();
                return;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable && attempt < 60 && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(250);
            }
        }
    }

    /// <summary>Every id through the router, page by page, duplicates kept (to find any).</summary>
    public static async Task<List<ulong>> IdsInPagesAsync(Points.PointsClient points, string collection, uint pageSize = 5_000)
    {
        var ids = new List<ulong>();
        PointId? offset = null;
        do
        {
            var request = new ScrollPoints { CollectionName = collection, Limit = pageSize, RequireAll = true };
            if (offset is { } o)
            {
                request.Offset = o.ToWire();
            }

            ScrollResponse page = await points.ScrollAsync(request, deadline: DateTime.UtcNow.AddSeconds(20));
            ids.AddRange(page.Result.Select(p => p.Id.Num));
            offset = page.NextPageOffset is { } next ? next.ToEngine("offset") : (PointId?)null;
        }
        while (offset is not null);
        return ids;
    }

    /// <summary>True when every live copy of the shard answers with the same (id, payload) set.</summary>
    public static bool CopiesEqual(ClusterHarness cluster, ShardMap map, ulong incarnation, string collection, int shard)
    {
        var seen = new List<string>();
        foreach (string node in map.Shards[shard].Nodes)
        {
            var peer = new Api.Cluster.V1.ShardPeer.ShardPeerClient(cluster.Channel(cluster.IndexOf(node)));
            var all = new List<string>();
            ulong from = 0;
            while (true)
            {
                Api.Cluster.V1.ShardScrollReply reply;
                try
                {
                    reply = peer.Scroll(new Api.Cluster.V1.ShardScroll
                    {
                        Incarnation = incarnation,
                        Shards = { (uint)shard },
                        Scroll = new ScrollPoints { CollectionName = collection, Limit = 5_000, WithPayload = true, Offset = new PointId(from).ToWire() },
                    }, deadline: DateTime.UtcNow.AddSeconds(10));
                }
                catch (RpcException)
                {
                    return false;
                }

                all.AddRange(reply.Result.Select(p => $"{p.Id.Num}:{string.Join(";", p.Payload.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value))}"));
                if (reply.Result.Count < 5_000)
                {
                    break;
                }

                from = reply.Result[^1].Id.Num + 1;
            }

            seen.Add(string.Join(",", all));
        }

        return seen.Distinct().Count() == 1;
    }
}
