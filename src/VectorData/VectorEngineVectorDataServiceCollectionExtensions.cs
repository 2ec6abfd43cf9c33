using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.VectorData;
using VectorEngine;
using VectorEngine.VectorData;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the VectorData connector over the <see cref="IVectorDatabase"/> in a host's services (embedded or client).</summary>
public static class VectorEngineVectorDataServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="VectorStore"/> as a <see cref="VectorEngineVectorStore"/> over the registered
    /// <see cref="IVectorDatabase"/> (from <c>AddVectorEngine</c> or <c>AddVectorEngineClient</c>). Its default embedding
    /// generator is the registered <see cref="IEmbeddingGenerator"/>, if any.
    /// </summary>
    /// <param name="services">The host's services.</param>
    public static IServiceCollection AddVectorEngineVectorStore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(provider => new VectorEngineVectorStore(provider.GetRequiredService<IVectorDatabase>(),
            new VectorEngineVectorStoreOptions { EmbeddingGenerator = provider.GetService<IEmbeddingGenerator>() }));
        services.TryAddSingleton<VectorStore>(provider => provider.GetRequiredService<VectorEngineVectorStore>());
        return services;
    }

    /// <summary>
    /// Registers one collection of <typeparamref name="TRecord"/> named <paramref name="name"/> as
    /// <see cref="VectorStoreCollection{TKey, TRecord}"/>, from the registered store (registered here if missing).
    /// </summary>
    /// <typeparam name="TKey">The key type: ulong, Guid or string.</typeparam>
    /// <typeparam name="TRecord">The record type.</typeparam>
    /// <param name="services">The host's services.</param>
    /// <param name="name">The collection name.</param>
    /// <param name="definition">The schema, when the record type has no attributes.</param>
    public static IServiceCollection AddVectorEngineCollection<TKey, TRecord>(this IServiceCollection services, string name,
        VectorStoreCollectionDefinition? definition = null)
        where TKey : notnull
        where TRecord : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        services.AddVectorEngineVectorStore();
        services.TryAddSingleton(provider => provider.GetRequiredService<VectorEngineVectorStore>().GetCollection<TKey, TRecord>(name, definition));
        services.TryAddSingleton<VectorStoreCollection<TKey, TRecord>>(provider => provider.GetRequiredService<VectorEngineCollection<TKey, TRecord>>());
        services.TryAddSingleton<IVectorSearchable<TRecord>>(provider => provider.GetRequiredService<VectorEngineCollection<TKey, TRecord>>());
        return services;
    }
}
