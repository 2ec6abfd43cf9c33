using Microsoft.Extensions.Logging.Abstractions;
using VectorEngine.Api.Cluster.V1;
using VectorEngine.Sharding.Replication;
using VectorEngine.Storage;

namespace VectorEngine.Sharding.Tests.Replication;

/// <summary>
/// The copies of one shard in one process: each a real database, collection, replication log and
/// <see cref="ShardReplica"/>, joined by an in-process transport that can cut a copy off (a partition: calls to and
/// from it fail as an unreachable node's do). Copies restart on their directories; the coordinator's fence-and-choose
/// step is <see cref="PromoteAsync"/>. The network is the only part stood in for.
/// </summary>
internal sealed class ReplicaGroup : IReplicationTransport, IAsyncDisposable
{
    public static readonly ShardIdentity Shard = new("docs", 1, 0);
    private readonly string _root = Directory.CreateTempSubdirectory("vectorengine-replicas-").FullName;
    private readonly Dictionary<string, Copy> _copies = new(StringComparer.Ordinal);
    private readonly HashSet<string> _isolated = new(StringComparer.Ordinal);
    private readonly ReplicationOptions _options;
    private readonly Func<string, string, IFileSystem?>? _fileSystems;

    /// <param name="copies">How many copies (nodes n0, n1, ...).</param>
    /// <param name="options">Replication tuning (short timeouts by default).</param>
    /// <param name="fileSystems">A node's storage (node, its folder) at every open, or null for the real disk.</param>
    public ReplicaGroup(int copies, ReplicationOptions? options = null, Func<string, string, IFileSystem?>? fileSystems = null)
    {
        _fileSystems = fileSystems;
        _options = options ?? new ReplicationOptions { WriteTimeout = TimeSpan.FromSeconds(5), Heartbeat = TimeSpan.FromMilliseconds(50), CallTimeout = TimeSpan.FromSeconds(1) };
        for (int i = 0; i < copies; i++)
        {
            string node = "n" + i;
            _copies[node] = Open(node);
        }
    }

    /// <summary>
    /// How long a write waits for its copies, read at each write: long by default (a loaded CI machine is slow to answer
    /// even a healthy write); a test shortens it just before writes it expects to time out.
    /// </summary>
    public TimeSpan WriteTimeout
    {
        get => _options.WriteTimeout;
        set => _options.WriteTimeout = value;
    }

    public IReadOnlyList<string> Nodes => _copies.Keys.Order(StringComparer.Ordinal).ToArray();

    public ShardReplica this[string node] => _copies[node].Replica;

    public VectorDatabase Database(string node) => _copies[node].Database;

    public void Isolate(string node) { lock (_isolated) { _isolated.Add(node); } }

    public void Heal(string node) { lock (_isolated) { _isolated.Remove(node); } }

    /// <summary>Names <paramref name="primary"/> primary of <paramref name="epoch"/> with the others as its replicas.</summary>
    public void MakePrimary(string primary, long epoch, int writeConsistency) =>
        this[primary].BecomePrimary(epoch, Nodes.Where(n => n != primary).ToArray(), writeConsistency);

    /// <summary>
    /// What the coordinator does: fences every reachable copy at <paramref name="epoch"/>, then names the one with the
    /// longest log among at least <paramref name="quorum"/> answers.
    /// </summary>
    public async Task<string> PromoteAsync(long epoch, int quorum, int writeConsistency)
    {
        var answers = new List<(string Node, FenceReply Reply)>();
        foreach (string node in Nodes)
        {
            try
            {
                answers.Add((node, await FenceAsync(node, new FenceRequest { Shard = Shard.ToWire(), Epoch = (ulong)epoch }, CancellationToken.None)));
            }
            catch (VectorEngineException)
            {
            }
        }

        Assert.True(answers.Count >= quorum, $"{answers.Count} copies answered the fence; {quorum} needed");
        string best = answers.OrderByDescending(a => a.Reply.LastEpoch).ThenByDescending(a => a.Reply.LastLsn).First().Node;
        MakePrimary(best, epoch, writeConsistency);
        return best;
    }

    /// <summary>Closes a copy (as a kill would leave its files: the log and the collection's WAL are on disk) and opens it again.</summary>
    public async Task RestartAsync(string node, Action? whileDown = null)
    {
        Copy copy = _copies[node];
        await copy.Replica.DisposeAsync();
        copy.Database.Dispose();
        whileDown?.Invoke();
        _copies[node] = Open(node);
    }

    /// <summary>The folder a node keeps its files in.</summary>
    public string Folder(string node) => Path.Combine(_root, node);

    /// <summary>Every point of a copy as (id, payload "v") pairs, in id order (empty while a snapshot swaps its collection).</summary>
    public static IReadOnlyList<(ulong Id, long V)> Contents(ShardReplica replica)
    {
        try
        {
            return ContentsOnce(replica);
        }
        catch (VectorEngineException e) when (e.Kind == VectorEngineErrorKind.Closed)
        {
            return [];
        }
    }

    private static List<(ulong Id, long V)> ContentsOnce(ShardReplica replica)
    {
        var all = new List<(ulong, long)>();
        PointId? offset = null;
        do
        {
            ScrollPage page = replica.Collection.Scroll(new ScrollRequest { Offset = offset, Limit = 1_000, WithPayload = true });
            all.AddRange(page.Points.Select(p => (p.Id.Number, p.Payload!.TryGetValue("v", out PayloadValue v) ? v.AsInteger : -1)));
            offset = page.NextOffset;
        }
        while (offset is not null);
        return all;
    }

    public static Point MakePoint(ulong id, long version) =>
        new(new PointId(id), [id % 7, version % 5, 1f, 2f], new Payload { ["v"] = PayloadValue.From(version) });

    public async ValueTask DisposeAsync()
    {
        foreach (Copy copy in _copies.Values)
        {
            await copy.Replica.DisposeAsync();
            copy.Database.Dispose();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public Task<ReplicateReply> ReplicateAsync(string node, ReplicateRequest request, CancellationToken cancellationToken)
    {
        Reach(request.Primary, node);
        return _copies[node].Replica.ReplicateAsync(request.Clone(), cancellationToken);
    }

    public Task<FenceReply> FenceAsync(string node, FenceRequest request, CancellationToken cancellationToken)
    {
        Reach("coordinator", node);
        return _copies[node].Replica.FenceAsync((long)request.Epoch, cancellationToken);
    }

    public Task<CopyStatusReply> CopyStatusAsync(string node, CopyStatusRequest request, CancellationToken cancellationToken)
    {
        Reach(null, node);
        return Task.FromResult(_copies[node].Replica.Status());
    }

    public async Task<ReplicateReply> InstallSnapshotAsync(string node, IAsyncEnumerable<SnapshotChunk> chunks, CancellationToken cancellationToken)
    {
        Reach(null, node);
        await using IAsyncEnumerator<SnapshotChunk> e = chunks.GetAsyncEnumerator(cancellationToken);
        Assert.True(await e.MoveNextAsync());
        SnapshotChunk header = e.Current;
        return await _copies[node].Replica.InstallSnapshotAsync(header, Rest(e), cancellationToken);

        static async IAsyncEnumerable<SnapshotChunk> Rest(IAsyncEnumerator<SnapshotChunk> e)
        {
            while (await e.MoveNextAsync())
            {
                yield return e.Current;
            }
        }
    }

    private void Reach(string? from, string to)
    {
        lock (_isolated)
        {
            if ((from is not null && _isolated.Contains(from)) || _isolated.Contains(to))
            {
                throw new VectorEngineException(VectorEngineErrorKind.Unavailable, $"{from} cannot reach {to} (partitioned)");
            }
        }
    }

    private Copy Open(string node)
    {
        string directory = Path.Combine(_root, node);
        IFileSystem? fs = _fileSystems?.Invoke(node, directory);
        VectorDatabase database = VectorDatabase.Open(directory, fs is null ? null : new VectorDatabaseOptions { FileSystem = fs });
        Collection collection = database.TryGetCollection("s", out Collection? existing) ? existing! : database.CreateCollection("s", new CollectionOptions(4, DistanceMetric.L2));
        ShardLog log = ShardLog.Open(database.Options.FileSystem, Path.Combine(directory, "log"));
        var replica = new ShardReplica(Shard, collection, log, () =>
        {
            database.DropCollection("s");
            return database.CreateCollection("s", new CollectionOptions(4, DistanceMetric.L2));
        }, this, _options, node, NullLogger.Instance);
        return new Copy(database, replica);
    }

    private sealed record Copy(VectorDatabase Database, ShardReplica Replica);
}
