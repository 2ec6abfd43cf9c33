using VectorEngine.S3;
using System.Net;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Resources;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Prometheus;
using VectorEngine.Diagnostics;
using VectorEngine.Server.Cluster;
using VectorEngine.Server.Hosting;
using VectorEngine.Server.Observability;
using VectorEngine.Server.Security;
using VectorEngine.Server.Services;
using VectorEngine.Sharding.Coordination;
using VectorEngine.Storage;

namespace VectorEngine.Server;

/// <summary>Builds the server application: settings, Kestrel on HTTP/2, the gRPC services, health and reflection.</summary>
public static class VectorEngineServer
{
    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        ["--bind"] = "Server:BindAddress",
        ["--port"] = "Server:Port",
        ["--data"] = "Server:DataDirectory",
        ["--cluster-etcd"] = "Cluster:Etcd",
        ["--node-id"] = "Cluster:NodeId",
        ["--advertise"] = "Cluster:Advertise",
    };

    /// <summary>Creates the application from command-line flags, appsettings.json and VECTORENGINE_* variables.</summary>
    /// <param name="args">Flags: --bind, --port, --data, --cluster-etcd, --node-id, --advertise, or any --Section:Key=value.</param>
    /// <param name="configure">Extra configuration (tests set a port and a data directory here).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddEnvironmentVariables("VECTORENGINE_");
        builder.Configuration.AddCommandLine(args, Flags);
        configure?.Invoke(builder);

        ServerOptions settings = builder.Configuration.GetSection(ServerOptions.Section).Get<ServerOptions>() ?? new ServerOptions();
        settings.Validate();
        builder.Services.Configure<ServerOptions>(builder.Configuration.GetSection(ServerOptions.Section));

        // The engine's own settings (WAL sync, segment sizes, optimizer), checked before anything listens. The data
        // directory is Server:DataDirectory.
        IConfigurationSection engineSection = builder.Configuration.GetSection(VectorEngineOptions.Section);
        IReadOnlyList<string> engineProblems = (engineSection.Get<VectorEngineOptions>() ?? new VectorEngineOptions()).Problems(requireDataDirectory: false);
        if (engineProblems.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", engineProblems));
        }

        builder.Services.Configure<VectorEngineOptions>(engineSection);
        IConfigurationSection s3Section = engineSection.GetSection("S3");
        if (s3Section.Get<S3ObjectStoreOptions>() is { Bucket.Length: > 0 } s3)
        {
            // Refused at start, as the engine's own settings are.
            s3.Validate();
        }

        builder.Services.Configure<S3ObjectStoreOptions>(s3Section);
        ClusterOptions cluster = builder.Configuration.GetSection("Cluster").Get<ClusterOptions>() ?? new ClusterOptions();
        cluster.Validate();
        if (cluster.Enabled && settings.ApiKeys.Count > 0 && cluster.PeerApiKey.Length == 0)
        {
            throw new InvalidOperationException("With Server:ApiKeys set, a cluster node needs Cluster:PeerApiKey (an Admin key of its peers) for node-to-node calls.");
        }

        builder.Services.Configure<ClusterOptions>(builder.Configuration.GetSection("Cluster"));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Parse(settings.BindAddress), settings.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (settings.TlsCertificatePath.Length > 0)
                {
                    listen.UseHttps(settings.TlsCertificatePath, settings.TlsCertificatePassword.Length > 0 ? settings.TlsCertificatePassword : null);
                }
            });
            if (settings.MetricsPort >= 0)
            {
                kestrel.Listen(IPAddress.Parse(settings.MetricsBindAddress), settings.MetricsPort, listen => listen.Protocols = HttpProtocols.Http1);
            }

            kestrel.Limits.MaxRequestBodySize = settings.MaxMessageBytes;
        });

        // Tests put a fault-injecting file system here (in configure, so this default does not replace it).
        builder.Services.TryAddSingleton<IFileSystem>(LocalFileSystem.Instance);
        builder.Services.AddSingleton<DatabaseHost>();
        builder.Services.AddSingleton<ServerMetrics>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DatabaseHost>());
        builder.Services.AddSingleton<ClusterMetrics>();
        builder.Services.AddSingleton<ClusterHost>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ClusterHost>());
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = settings.MaxMessageBytes;
            grpc.MaxSendMessageSize = settings.MaxMessageBytes;
            grpc.Interceptors.Add<MetricsInterceptor>();
            grpc.Interceptors.Add<ApiKeyInterceptor>();
            grpc.Interceptors.Add<ErrorInterceptor>();
        });
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks().AddCheck<DatabaseHealthCheck>("database");

        // Answer from the statuses the publisher keeps (every second, below), so the per-collection statuses that
        // DatabaseHealthCheck sets for services of its own are answered too.
        builder.Services.Configure<Grpc.AspNetCore.HealthChecks.GrpcHealthChecksOptions>(health => health.UseHealthChecksCache = true);

        // Health is polled every second from start, so SERVING follows the end of recovery closely.
        builder.Services.Configure<HealthCheckPublisherOptions>(publisher =>
        {
            publisher.Delay = TimeSpan.Zero;
            publisher.Period = TimeSpan.FromSeconds(1);
        });

        AddTracing(builder, settings);
        WebApplication app = builder.Build();

        // The cache answers NOT_FOUND for a service it has no status for, and the publisher's first pass runs a moment
        // after start: say NOT_SERVING until then, as a probe expects of a server still starting.
        app.Services.GetRequiredService<HealthServiceImpl>().SetStatus(string.Empty, Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.NotServing);
        app.MapGrpcService<CollectionsService>();
        app.MapGrpcService<PointsService>();
        app.MapGrpcService<SnapshotsService>();
        app.MapGrpcService<MatchingService>();
        if (cluster.Enabled)
        {
            app.MapGrpcService<ShardPeerService>();
            app.MapGrpcService<ClusterAdminService>();
        }

        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        if (settings.MetricsPort >= 0)
        {
            // Only on the metrics listener, told apart by the local port the connection came in on: a Host header (what
            // RequireHost matches) is the client's to write, so a gRPC-port request saying ":9464" must not get metrics.
            app.UseWhen(
                context => context.Request.Path.StartsWithSegments("/metrics") && !MetricsAllowed(context, settings),
                refused => refused.Run(context =>
                {
                    context.Response.StatusCode = context.Connection.LocalPort == settings.MetricsPort ? StatusCodes.Status401Unauthorized : StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }));
            app.MapMetrics("/metrics", app.Services.GetRequiredService<ServerMetrics>().Registry);
        }

        foreach (string problem in settings.InsecureNetworkAccess())
        {
            app.Logger.LogWarning("Insecure network access allowed by Server:AllowInsecureNetworkAccess: {Problem}", problem);
        }

        return app;
    }

    /// <summary>True for a request that came in on the metrics listener and carries the metrics key, when one is set.</summary>
    private static bool MetricsAllowed(HttpContext context, ServerOptions settings)
    {
        if (context.Connection.LocalPort != settings.MetricsPort)
        {
            return false;
        }

        if (settings.MetricsApiKey.Length == 0)
        {
            return true;
        }

        string header = context.Request.Headers.Authorization.ToString();
        byte[] given = System.Text.Encoding.UTF8.GetBytes(header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..] : string.Empty);
        return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(given, System.Text.Encoding.UTF8.GetBytes(settings.MetricsApiKey));
    }

    /// <summary>
    /// A span per call (ASP.NET Core's instrumentation) with the engine's own spans inside it, and the engine's meters,
    /// exported over OTLP when an endpoint is configured.
    /// </summary>
    private static void AddTracing(WebApplicationBuilder builder, ServerOptions settings)
    {
        string endpoint = settings.OtlpEndpoint.Length > 0 ? settings.OtlpEndpoint : builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? string.Empty;
        if (endpoint.Length == 0)
        {
            return;
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("vectorengine-server"))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddSource(EngineTelemetry.Name)
                .AddOtlpExporter(otlp => otlp.Endpoint = new Uri(endpoint)))
            .WithMetrics(metrics => metrics
                .AddMeter(EngineTelemetry.Name, "VectorEngine.Matching")
                .AddOtlpExporter(otlp => otlp.Endpoint = new Uri(endpoint)));
    }
}
