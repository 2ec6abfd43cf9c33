using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.VectorData;
using VectorEngine.Client;
using VectorEngine.Hnsw;
using VectorEngine.Server.Tests;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.VectorData.Tests;

/// <summary>AddVectorEngine, AddVectorEngineClient and the connector's registrations in a real host, configured from configuration.</summary>
public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task An_embedded_database_is_opened_once_with_host_logging_and_closed_with_the_host()
    {
        using TempDirectory directory = Data.TempDir();
        var settings = new Dictionary<string, string?>
        {
            ["VectorEngine:DataDirectory"] = directory.Path,
            ["VectorEngine:WalSyncMode"] = "Interval",
            ["VectorEngine:WalSyncInterval"] = "00:00:00.050",
            ["VectorEngine:MaxMutableSegmentPoints"] = "3",
        };

        var logs = new ConcurrentQueue<string>();
        using (IHost host = EmbeddedHost(settings, logs))
        {
            await host.StartAsync();
            Assert.Same(host.Services.GetRequiredService<VectorDatabase>(), host.Services.GetRequiredService<IVectorDatabase>());
            var items = host.Services.GetRequiredService<VectorStoreCollection<ulong, Item>>();
            Assert.Same(items, host.Services.GetRequiredService<VectorStoreCollection<ulong, Item>>());
            await items.EnsureCollectionExistsAsync();
            await items.UpsertAsync(Item.Samples().Select(i => i.Copy()));
            Assert.Equal(2UL, (await items.SearchAsync(new ReadOnlyMemory<float>([1, 1, 0]), 1).SingleAsync()).Record.Key);
            Assert.Equal(WalSyncMode.Interval, host.Services.GetRequiredService<VectorDatabase>().Options.WalSyncMode);
            await host.StopAsync();
        }

        // Five points with a mutable segment of three: the engine sealed a segment and said so through the host's logging.
        Assert.Contains(logs, line => line.Contains("VectorEngine.Collection") && line.Contains("sealed segment"));

        // The host closed the database: a second host opens the same directory (a database still open would refuse it).
        using (IHost again = EmbeddedHost(settings, logs))
        {
            await again.StartAsync();
            var items = again.Services.GetRequiredService<VectorStoreCollection<ulong, Item>>();
            Assert.Equal(5, await items.GetAsync(r => true, 10).CountAsync());
            await again.StopAsync();
        }

        Assert.Contains(logs, line => line.Contains("recovered"));
    }

    [Fact]
    public async Task The_vector_store_takes_the_embedding_generator_registered_in_the_host()
    {
        using TempDirectory directory = Data.TempDir();
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddVectorEngine(options => options.DataDirectory = directory.Path);
        builder.Services.AddSingleton<Microsoft.Extensions.AI.IEmbeddingGenerator>(new Embeddings.OnnxEmbeddingGenerator());
        builder.Services.AddVectorEngineVectorStore();
        using IHost host = builder.Build();
        await host.StartAsync();

        var notes = host.Services.GetRequiredService<VectorStore>().GetCollection<string, Note>("notes");
        await notes.EnsureCollectionExistsAsync();
        await notes.UpsertAsync([new Note { Key = "rust", Text = "Senior Rust engineer" }, new Note { Key = "bake", Text = "Bakery assistant, early shifts" }]);
        Assert.Equal("rust", (await notes.SearchAsync("systems programming in Rust", 1).SingleAsync()).Record.Key);
        await host.StopAsync();
    }

    public sealed class Note
    {
        [VectorStoreKey]
        public string Key { get; set; } = "";

        [VectorStoreVector(384)]
        public string? Text { get; set; }
    }

    [Theory]
    [InlineData(null, "0", "VectorEngine:DataDirectory is required.")]
    [InlineData("data", "0", "MaxMutableSegmentPoints")]
    public async Task Bad_engine_settings_stop_the_host_at_start_with_every_problem_named(string? directory, string mutablePoints, string expected)
    {
        var settings = new Dictionary<string, string?> { ["VectorEngine:DataDirectory"] = directory, ["VectorEngine:MaxMutableSegmentPoints"] = mutablePoints };
        using IHost host = EmbeddedHost(settings, new ConcurrentQueue<string>());
        OptionsValidationException e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(e.Failures, f => f.Contains(expected));
    }

    [Fact]
    public void Two_embedded_databases_in_one_service_collection_are_refused()
    {
        var services = new ServiceCollection();
        services.AddVectorEngine(o => o.DataDirectory = "a");
        Assert.Throws<InvalidOperationException>(() => services.AddVectorEngine(o => o.DataDirectory = "b"));
    }

    [Fact]
    public async Task A_client_registered_from_configuration_serves_the_connector_against_a_server()
    {
        await using ServerHarness server = await ServerHarness.StartAsync();
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["VectorEngineClient:Address"] = server.Address });
        builder.Services.AddVectorEngineClient(builder.Configuration.GetSection(VectorEngineClientSettings.Section));
        builder.Services.AddVectorEngineCollection<ulong, Item>("remote-items");
        using IHost host = builder.Build();
        await host.StartAsync();

        Assert.IsType<VectorEngineClient>(host.Services.GetRequiredService<IVectorDatabase>());
        var items = host.Services.GetRequiredService<VectorStoreCollection<ulong, Item>>();
        await items.EnsureCollectionExistsAsync();
        await items.UpsertAsync(Item.Samples().Select(i => i.Copy()));
        Assert.Equal(3UL, (await items.SearchAsync(new ReadOnlyMemory<float>([1, 2, 0]), 1).SingleAsync()).Record.Key);
        Assert.Contains("remote-items", await server.Client.ListCollectionsAsync());
        await host.StopAsync();
    }

    [Theory]
    [InlineData("localhost:6334")]
    [InlineData("")]
    public async Task A_client_without_a_usable_address_stops_the_host_at_start(string address)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddVectorEngineClient(settings => settings.Address = address);
        using IHost host = builder.Build();
        OptionsValidationException e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("VectorEngineClient:Address must be an absolute http or https address", Assert.Single(e.Failures));
    }

    [Fact]
    public async Task The_server_takes_engine_settings_from_its_configuration_and_refuses_bad_ones()
    {
        var settings = new Dictionary<string, string?> { ["VectorEngine:WalSyncMode"] = "None", ["Logging:LogLevel:VectorEngine"] = "Information" };
        await using (ServerHarness server = await ServerHarness.StartAsync(settings: settings))
        {
            Assert.Contains(server.Logs, line => line.Contains("WAL sync None"));
            IVectorCollection points = await server.Client.CreateCollectionAsync("logged", new CollectionOptions(2, DistanceMetric.L2));
            await points.UpsertAsync([new Point(1UL, [1f, 2f])]);
            await server.RestartAsync();

            // The engine's own logs (category VectorEngine.Collection) go through the server's logging.
            Assert.Contains(server.Logs, line => line.Contains("VectorEngine.Collection") && line.Contains("Collection logged: recovered"));
        }

        InvalidOperationException e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ServerHarness.StartAsync(settings: new Dictionary<string, string?> { ["VectorEngine:OptimizerDeletedFraction"] = "1.5" }));
        Assert.Contains("OptimizerDeletedFraction", e.Message);
    }

    private static IHost EmbeddedHost(Dictionary<string, string?> settings, ConcurrentQueue<string> logs)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders().AddProvider(new CapturingLoggerProvider(logs));
        builder.Services.AddVectorEngine(builder.Configuration.GetSection(VectorEngineOptions.Section), database => database.UseHnsw());
        builder.Services.AddVectorEngineCollection<ulong, Item>("items");
        return builder.Build();
    }
}
