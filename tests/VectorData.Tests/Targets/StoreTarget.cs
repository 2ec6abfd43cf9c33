using Microsoft.Extensions.AI;
using VectorEngine.Hnsw;
using VectorEngine.Server.Tests;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.VectorData.Tests;

/// <summary>Where a test's collections live: an embedded database or a server. The connector code under test is the same.</summary>
public abstract class StoreTarget : IAsyncLifetime
{
    private int _next;

    public IVectorDatabase Database { get; protected set; } = null!;

    public VectorEngineVectorStore Store(IEmbeddingGenerator? generator = null) =>
        new(Database, new VectorEngineVectorStoreOptions { EmbeddingGenerator = generator });

    /// <summary>A collection name no other test in the class uses.</summary>
    public string NewName(string stem) => $"{stem}-{Interlocked.Increment(ref _next)}";

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();
}

public sealed class EmbeddedTarget : StoreTarget
{
    private readonly TempDirectory _directory = Data.TempDir();

    public override Task InitializeAsync()
    {
        Database = VectorDatabase.Open(_directory.Path, new VectorDatabaseOptions().UseHnsw());
        return Task.CompletedTask;
    }

    public override async Task DisposeAsync()
    {
        await Database.DisposeAsync();
        _directory.Dispose();
    }
}

public sealed class ServerTarget : StoreTarget
{
    private ServerHarness _server = null!;

    public override async Task InitializeAsync()
    {
        _server = await ServerHarness.StartAsync();
        Database = _server.Client;
    }

    public override async Task DisposeAsync() => await _server.DisposeAsync();
}
