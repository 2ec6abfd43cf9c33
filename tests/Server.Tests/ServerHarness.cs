using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VectorEngine.Client;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Server.Tests;

/// <summary>A real server on 127.0.0.1 (a free port) over a temporary data directory, with a client on loopback gRPC.</summary>
internal sealed class ServerHarness : IAsyncDisposable
{
    private readonly TempDirectory? _ownedDirectory;
    private WebApplication? _app;

    private ServerHarness(string dataDirectory, TempDirectory? owned)
    {
        DataDirectory = dataDirectory;
        _ownedDirectory = owned;
    }

    public string DataDirectory { get; }

    /// <summary>The database's file system, when a test injects faults; null for the real one.</summary>
    public Storage.IFileSystem? FileSystem { get; private init; }

    public string Address { get; private set; } = string.Empty;

    public VectorEngineClient Client { get; private set; } = null!;

    public GrpcChannel Channel { get; private set; } = null!;

    /// <summary>Every log line the server wrote, with its exception, for checks that secrets never reach the log.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Logs { get; } = new();

    /// <summary>Starts a server and waits (bounded) until health says SERVING.</summary>
    public static async Task<ServerHarness> StartAsync(string? dataDirectory = null, IDictionary<string, string?>? settings = null, Storage.IFileSystem? fileSystem = null)
    {
        TempDirectory? owned = dataDirectory is null ? Data.TempDir() : null;
        var harness = new ServerHarness(dataDirectory ?? owned!.Path, owned) { FileSystem = fileSystem };
        try
        {
            await harness.StartServerAsync(settings);
            return harness;
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the server (flushing the database) and starts another on the same data directory.</summary>
    public async Task RestartAsync()
    {
        await StopServerAsync();
        await StartServerAsync(null);
    }

    private async Task StartServerAsync(IDictionary<string, string?>? settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["Server:Port"] = "0",
            ["Server:MetricsPort"] = "-1",
            ["Server:DataDirectory"] = DataDirectory,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (KeyValuePair<string, string?> pair in settings ?? new Dictionary<string, string?>())
        {
            values[pair.Key] = pair.Value;
        }

        _app = VectorEngineServer.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(values);
            builder.Logging.AddProvider(new CapturingLoggerProvider(Logs));
            if (FileSystem is not null)
            {
                builder.Services.AddSingleton(FileSystem);
            }
        });
        await _app.StartAsync();
        string? metricsPort = values["Server:MetricsPort"];
        Address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Single(a => metricsPort == "-1" || !a.EndsWith(":" + metricsPort, StringComparison.Ordinal));
        Assert.StartsWith("http://127.0.0.1:", Address);
        Channel = GrpcChannel.ForAddress(Address);
        Client = new VectorEngineClient(Channel);
        await WaitServingAsync(Channel);
    }

    /// <summary>A port free on 127.0.0.1 a moment ago (for the metrics listener, whose port a test must know).</summary>
    public static int FreePort()
    {
        return VectorEngine.Tests.TestKit.TestPorts.Next();
    }

    /// <summary>Polls grpc.health.v1 (bounded: 30 s) until it says SERVING.</summary>
    public static async Task WaitServingAsync(GrpcChannel channel)
    {
        var health = new Health.HealthClient(channel);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await health.CheckAsync(new HealthCheckRequest())).Status != HealthCheckResponse.Types.ServingStatus.Serving)
        {
            Assert.True(DateTime.UtcNow < deadline, "the server did not report SERVING within 30 s");
            await Task.Delay(20);
        }
    }

    private async Task StopServerAsync()
    {
        Client?.Dispose();
        Channel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopServerAsync();
        _ownedDirectory?.Dispose();
    }
}

/// <summary>Keeps every formatted log line (and exception text) in a queue.</summary>
internal sealed class CapturingLoggerProvider(System.Collections.Concurrent.ConcurrentQueue<string> lines) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
