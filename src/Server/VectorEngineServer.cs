using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Prometheus;
using VectorEngine.Server.Hosting;
using VectorEngine.Server.Observability;
using VectorEngine.Server.Security;
using VectorEngine.Server.Services;

namespace VectorEngine.Server;

/// <summary>Builds the server application: settings, Kestrel on HTTP/2, the gRPC services, health and reflection.</summary>
public static class VectorEngineServer
{
    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        ["--bind"] = "Server:BindAddress",
        ["--port"] = "Server:Port",
        ["--data"] = "Server:DataDirectory",
    };

    /// <summary>Creates the application from command-line flags, appsettings.json and VECTORENGINE_* variables.</summary>
    /// <param name="args">Flags: --bind, --port, --data, or any --Section:Key=value.</param>
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
                kestrel.Listen(IPAddress.Parse(settings.BindAddress), settings.MetricsPort, listen => listen.Protocols = HttpProtocols.Http1);
            }
            kestrel.Limits.MaxRequestBodySize = settings.MaxMessageBytes;
        });

        builder.Services.AddSingleton<DatabaseHost>();
        builder.Services.AddSingleton<ServerMetrics>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DatabaseHost>());
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

        // Health is polled every second from start, so SERVING follows the end of recovery closely.
        builder.Services.Configure<HealthCheckPublisherOptions>(publisher =>
        {
            publisher.Delay = TimeSpan.Zero;
            publisher.Period = TimeSpan.FromSeconds(1);
        });

        AddTracing(builder, settings);
        WebApplication app = builder.Build();
        app.MapGrpcService<CollectionsService>();
        app.MapGrpcService<PointsService>();
        app.MapGrpcService<SnapshotsService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        if (settings.MetricsPort >= 0)
        {
            // Only on the metrics listener: the gRPC port answers nothing but gRPC.
            app.MapMetrics("/metrics", app.Services.GetRequiredService<ServerMetrics>().Registry)
                .RequireHost($"*:{settings.MetricsPort}");
        }

        return app;
    }

    /// <summary>A span per call (ASP.NET Core's instrumentation), exported over OTLP when an endpoint is configured.</summary>
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
                .AddOtlpExporter(otlp => otlp.Endpoint = new Uri(endpoint)));
    }
}
