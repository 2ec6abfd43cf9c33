using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace VectorEngine.Server.Hosting;

/// <summary>Healthy once the database is open: grpc.health.v1 answers NOT_SERVING until WAL recovery has finished.</summary>
/// <param name="host">The database host.</param>
public sealed class DatabaseHealthCheck(DatabaseHost host) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(host.IsReady ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Recovering the write-ahead log."));
}
