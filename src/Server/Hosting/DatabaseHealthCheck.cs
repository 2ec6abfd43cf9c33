using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace VectorEngine.Server.Hosting;

/// <summary>
/// Healthy once the database is open: grpc.health.v1 answers NOT_SERVING until WAL recovery has finished. Each
/// collection also has a service of its own, <c>vectorengine.collection.NAME</c>: NOT_SERVING while it refuses writes
/// after a storage failure, when its vector files failed their checksums, or when it could not be opened; SERVING
/// otherwise.
/// </summary>
/// <param name="host">The database host.</param>
/// <param name="health">The grpc.health.v1 service, whose per-collection statuses this check keeps current.</param>
/// <param name="cluster">The cluster membership: a cluster node is NOT_SERVING until it has joined.</param>
public sealed class DatabaseHealthCheck(DatabaseHost host, HealthServiceImpl health, Cluster.ClusterHost cluster) : IHealthCheck
{
    /// <summary>The health service name of a collection.</summary>
    /// <param name="collection">The collection name.</param>
    public static string ServiceName(string collection) => "vectorengine.collection." + collection;

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!host.IsReady)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("Recovering the write-ahead log."));
        }

        if (cluster.Enabled && !cluster.IsReady)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("Joining the cluster."));
        }

        VectorDatabase database;
        try
        {
            database = host.Database;
        }
        catch (Grpc.Core.RpcException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The database is closed."));
        }

        var stopped = new List<string>();
        try
        {
            foreach (string name in database.ListCollections())
            {
                bool failed = database.TryGetCollection(name, out Collection? collection) &&
                    (collection?.StorageFailure is not null || collection?.DetectedCorruption is not null);
                health.SetStatus(ServiceName(name), failed ? HealthCheckResponse.Types.ServingStatus.NotServing : HealthCheckResponse.Types.ServingStatus.Serving);
                if (failed)
                {
                    stopped.Add(name);
                }
            }

            foreach (string name in database.UnavailableCollections.Keys)
            {
                health.SetStatus(ServiceName(name), HealthCheckResponse.Types.ServingStatus.NotServing);
                stopped.Add(name);
            }
        }
        catch (VectorEngineException)
        {
            // Closed while checking: the next poll sees the host closed.
        }

        // The server as a whole still serves the other collections (and reads of these): only their own services say so.
        return Task.FromResult(HealthCheckResult.Healthy(stopped.Count == 0 ? null : $"Collections refusing writes or unavailable: {string.Join(", ", stopped)}"));
    }
}
