using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VectorEngine;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers an embedded VectorEngine database with a host's services.</summary>
public static class VectorEngineServiceCollectionExtensions
{
    /// <summary>
    /// Registers one embedded database, its settings bound from <paramref name="configuration"/> (a section such as
    /// <c>VectorEngine</c>) and checked when the host starts. The database is opened on first use, once, with the host's
    /// logging, and closed (writes flushed) when the host shuts down. Resolve it as <see cref="VectorDatabase"/> or
    /// <see cref="IVectorDatabase"/>.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The configuration section with <see cref="VectorEngineOptions"/>.</param>
    /// <param name="configureDatabase">Code-only settings: index types (<c>UseHnsw</c>), embedding generators, a file system.</param>
    public static IServiceCollection AddVectorEngine(this IServiceCollection services, IConfiguration configuration,
        Action<VectorDatabaseOptions>? configureDatabase = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<VectorEngineOptions>().Configure(options => configuration.Bind(options));
        return AddDatabase(services, configureDatabase);
    }

    /// <summary>Registers one embedded database configured in code; see <see cref="AddVectorEngine(IServiceCollection, IConfiguration, Action{VectorDatabaseOptions}?)"/>.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configureOptions">Sets <see cref="VectorEngineOptions"/>, at least its data directory.</param>
    /// <param name="configureDatabase">Code-only settings: index types (<c>UseHnsw</c>), embedding generators, a file system.</param>
    public static IServiceCollection AddVectorEngine(this IServiceCollection services, Action<VectorEngineOptions> configureOptions,
        Action<VectorDatabaseOptions>? configureDatabase = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configureOptions);
        services.AddOptions<VectorEngineOptions>().Configure(configureOptions);
        return AddDatabase(services, configureDatabase);
    }

    private static IServiceCollection AddDatabase(IServiceCollection services, Action<VectorDatabaseOptions>? configureDatabase)
    {
        if (services.Any(d => d.ServiceType == typeof(VectorDatabase)))
        {
            throw new InvalidOperationException("AddVectorEngine was called twice: one service collection holds one embedded database.");
        }

        services.AddOptions<VectorEngineOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VectorEngineOptions>, VectorEngineOptionsValidator>());
        services.AddSingleton(provider =>
        {
            VectorEngineOptions settings = provider.GetRequiredService<IOptions<VectorEngineOptions>>().Value;
            var options = new VectorDatabaseOptions { LoggerFactory = provider.GetService<ILoggerFactory>() ?? Logging.Abstractions.NullLoggerFactory.Instance };
            settings.ApplyTo(options);
            configureDatabase?.Invoke(options);
            return VectorDatabase.Open(settings.DataDirectory, options);
        });

        // The interface resolves to the same database; the container disposes what its factories return, and closing a
        // closed database does nothing.
        services.AddSingleton<IVectorDatabase>(provider => provider.GetRequiredService<VectorDatabase>());
        return services;
    }
}
