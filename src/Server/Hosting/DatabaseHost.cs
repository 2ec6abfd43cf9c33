using VectorEngine.S3;
using VectorEngine.Embeddings;
using Grpc.Core;
using Microsoft.Extensions.Options;
using VectorEngine.Hnsw;
using VectorEngine.Quantization;
using VectorEngine.Quantization.Ivf;
using VectorEngine.Storage;

namespace VectorEngine.Server.Hosting;

/// <summary>
/// Owns the database: opens it (replaying the WAL) in the background once the server listens, so health reports
/// NOT_SERVING during recovery instead of the port staying closed, and disposes it (flushing the WAL) once the host has
/// stopped — after the web server has drained its in-flight calls, never under them.
/// </summary>
public sealed class DatabaseHost : BackgroundService
{
    private readonly ServerOptions _options;
    private readonly VectorEngineOptions _engine;
    private readonly S3ObjectStoreOptions _s3;
    private readonly IFileSystem _fileSystem;
    private readonly ILogger<DatabaseHost> _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly Lock _gate = new();
    private VectorDatabase? _database;
    private bool _closed;

    /// <summary>Creates the host.</summary>
    /// <param name="options">Server settings.</param>
    /// <param name="logger">Where recovery is reported.</param>
    /// <param name="lifetime">Signals when the host has stopped (the web server included).</param>
    /// <param name="fileSystem">Where the database's files go (the real file system; tests inject faults here).</param>
    /// <param name="loggerFactory">Gives the engine its logs (recovery, storage failures, skipped collections).</param>
    /// <param name="engine">The engine's settings: WAL sync mode, segment sizes, optimizer, tiers.</param>
    /// <param name="s3">Where cold segments go when a bucket is set ("VectorEngine:S3"); otherwise a local folder.</param>
    public DatabaseHost(IOptions<ServerOptions> options, ILogger<DatabaseHost> logger, IHostApplicationLifetime lifetime, IFileSystem fileSystem, ILoggerFactory loggerFactory,
        IOptions<VectorEngineOptions> engine, IOptions<S3ObjectStoreOptions> s3)
    {
        ArgumentNullException.ThrowIfNull(s3);
        _s3 = s3.Value;
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(lifetime);
        ArgumentNullException.ThrowIfNull(engine);
        _options = options.Value;
        _engine = engine.Value;
        _logger = logger;
        _fileSystem = fileSystem;
        _loggerFactory = loggerFactory;

        // Hosted services stop in reverse order of registration, and this one was registered after the web server's:
        // closing in StopAsync would run before in-flight calls have drained.
        lifetime.ApplicationStopped.Register(Close);
    }

    /// <summary>True once the database is open and serving.</summary>
    public bool IsReady => Volatile.Read(ref _database) is not null;

    /// <summary>Seconds the last open (WAL recovery included) took.</summary>
    public double RecoverySeconds { get; private set; }

    /// <summary>The open database.</summary>
    /// <exception cref="RpcException">Unavailable while recovery runs.</exception>
    public VectorDatabase Database =>
        Volatile.Read(ref _database) ?? throw new RpcException(new Status(StatusCode.Unavailable, "The database is still recovering; retry shortly."));

    /// <summary>The model standalone servers embed text with (collections name it in their embedding).</summary>
    public const string DefaultEmbeddingModel = "all-MiniLM-L6-v2";

    // One per process, made on the first text a collection embeds.
    private static readonly DeferredEmbeddingGenerator MiniLM = new(() => new OnnxEmbeddingGenerator());

    /// <summary>The database options every server uses: HNSW by default, plus quantization and IVF, and MiniLM for text.</summary>
    public static VectorDatabaseOptions EngineOptions()
    {
        VectorDatabaseOptions options = new VectorDatabaseOptions().UseHnsw().UseQuantization();
        options.Indexes.Register(new IvfIndexFactory());
        options.EmbeddingGenerators[DefaultEmbeddingModel] = MiniLM;
        return options;
    }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
    {
        string path = Path.GetFullPath(_options.DataDirectory);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        _logger.LogInformation("Opening database at {DataDirectory} (WAL sync {WalSyncMode})", path, _engine.WalSyncMode);
        VectorDatabaseOptions engine = EngineOptions();
        if (!string.IsNullOrEmpty(_s3.Bucket))
        {
            engine.ObjectStore = new S3ObjectStore(_s3);
        }

        _engine.ApplyTo(engine);
        engine.FileSystem = _fileSystem;
        engine.LoggerFactory = _loggerFactory;
        VectorDatabase database;
        try
        {
            database = VectorDatabase.Open(path, engine);
        }
        catch (Exception e) when (e is VectorEngineException or IOException or UnauthorizedAccessException)
        {
            // The host stops when this service fails, but would exit 0: a supervisor must see that the server failed.
            _logger.LogCritical(e, "Cannot open the database at {DataDirectory}", path);
            Environment.ExitCode = 2;
            throw;
        }

        foreach ((string name, VectorEngineException why) in database.UnavailableCollections)
        {
            _logger.LogError("Collection {Collection} is unavailable: {Reason}", name, why.Message);
        }

        RecoverySeconds = clock.Elapsed.TotalSeconds;
        lock (_gate)
        {
            if (_closed)
            {
                database.Dispose();
                return;
            }

            Volatile.Write(ref _database, database);
        }

        _logger.LogInformation("Database open in {RecoverySeconds:F3} s: {Collections} collections", RecoverySeconds, database.ListCollections().Count);
    }, stoppingToken);

    private void Close()
    {
        VectorDatabase? database;
        lock (_gate)
        {
            _closed = true;
            database = Interlocked.Exchange(ref _database, null);
        }

        if (database is not null)
        {
            database.Dispose();
            _logger.LogInformation("Database closed");
        }
    }
}
