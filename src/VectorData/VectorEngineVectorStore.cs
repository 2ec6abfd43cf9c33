using System.Runtime.CompilerServices;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace VectorEngine.VectorData;

/// <summary>
/// VectorEngine as a Microsoft.Extensions.VectorData <see cref="VectorStore"/>, over any <see cref="IVectorDatabase"/>:
/// an embedded <c>VectorDatabase</c> or a <c>VectorEngineClient</c> talking to a server. Code written against the
/// abstraction (Semantic Kernel, the Microsoft.Extensions.AI samples) runs unchanged on either.
/// </summary>
public sealed class VectorEngineVectorStore : VectorStore
{
    private readonly IVectorDatabase _database;
    private readonly VectorEngineVectorStoreOptions _options;
    private readonly VectorStoreMetadata _metadata = new() { VectorStoreSystemName = VectorEngineCollection<string, object>.SystemName };

    /// <summary>A store over <paramref name="database"/>.</summary>
    /// <param name="database">The embedded database or client.</param>
    /// <param name="options">The default embedding generator and ownership of the database; null for none and not owned.</param>
    public VectorEngineVectorStore(IVectorDatabase database, VectorEngineVectorStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _options = options ?? new VectorEngineVectorStoreOptions();
    }

    /// <inheritdoc />
    public override VectorEngineCollection<TKey, TRecord> GetCollection<TKey, TRecord>(string name, VectorStoreCollectionDefinition? definition = null) =>
        typeof(TRecord) == typeof(Dictionary<string, object?>)
            ? throw new NotSupportedException(VectorDataStrings.GetCollectionWithDictionaryNotSupported)
            : new VectorEngineCollection<TKey, TRecord>(_database, name, new VectorEngineCollectionOptions
            {
                Definition = definition,
                EmbeddingGenerator = _options.EmbeddingGenerator,
            });

    /// <inheritdoc />
    public override VectorEngineDynamicCollection GetDynamicCollection(string name, VectorStoreCollectionDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return new VectorEngineDynamicCollection(_database, name, new VectorEngineCollectionOptions
        {
            Definition = definition,
            EmbeddingGenerator = _options.EmbeddingGenerator,
        });
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<string> ListCollectionNamesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (string name in await ListAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return name;
        }
    }

    /// <inheritdoc />
    public override async Task<bool> CollectionExistsAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return (await ListAsync(cancellationToken).ConfigureAwait(false)).Contains(name, StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public override async Task EnsureCollectionDeletedAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        try
        {
            await _database.DropCollectionAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (VectorEngineException e) when (e.Kind == VectorEngineErrorKind.NotFound)
        {
        }
        catch (VectorEngineException e)
        {
            throw Wrap("EnsureCollectionDeleted", e);
        }
    }

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(VectorStoreMetadata) ? _metadata
            : serviceType.IsInstanceOfType(_database) ? _database
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && _options.OwnsDatabase)
        {
            _database.Dispose();
        }

        base.Dispose(disposing);
    }

    private async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _database.ListCollectionsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (VectorEngineException e)
        {
            throw Wrap("ListCollectionNames", e);
        }
    }

    private static VectorStoreException Wrap(string operation, VectorEngineException e) =>
        new($"VectorEngine {operation} failed: {e.Message}", e) { VectorStoreSystemName = VectorEngineCollection<string, object>.SystemName, OperationName = operation };
}
