using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;
using VectorEngine.Filters;
using VectorEngine.Indexing;

namespace VectorEngine.VectorData;

/// <summary>
/// A VectorEngine collection as a <see cref="VectorStoreCollection{TKey, TRecord}"/>: records of a type (attributes or a
/// <see cref="VectorStoreCollectionDefinition"/>) stored as points of a collection of an <see cref="IVectorDatabase"/>,
/// embedded or remote. Keys are ulong, Guid or string; a vector property that is not a vector (a string) is embedded by
/// the configured <see cref="IEmbeddingGenerator"/> on upsert and search.
/// </summary>
/// <typeparam name="TKey">The key type: ulong, Guid or string (object for dynamic records).</typeparam>
/// <typeparam name="TRecord">The record type.</typeparam>
public partial class VectorEngineCollection<TKey, TRecord> : VectorStoreCollection<TKey, TRecord>, IKeywordHybridSearchable<TRecord>
    where TKey : notnull
    where TRecord : class
{
    internal const string SystemName = "vectorengine";
    private const int PageSize = 1_000;

    private readonly IVectorDatabase _database;
    private readonly CollectionModel _model;
    private readonly RecordMapper<TRecord> _mapper;
    private readonly IndexSpec? _index;
    private readonly VectorStoreCollectionMetadata _metadata;

    /// <summary>A collection of records of <typeparamref name="TRecord"/> named <paramref name="name"/> in <paramref name="database"/>.</summary>
    /// <param name="database">The embedded database or client that holds the collection.</param>
    /// <param name="name">The collection name.</param>
    /// <param name="options">The record definition, embedding generator and index; null for the record type's attributes.</param>
    public VectorEngineCollection(IVectorDatabase database, string name, VectorEngineCollectionOptions? options = null)
        : this(database, name, static options => typeof(TRecord) == typeof(Dictionary<string, object?>)
            ? throw new NotSupportedException(VectorDataStrings.NonDynamicCollectionWithDictionaryNotSupported(typeof(VectorEngineDynamicCollection)))
            : new VectorEngineModelBuilder().Build(typeof(TRecord), typeof(TKey), options.Definition, options.EmbeddingGenerator), options)
    {
    }

    internal VectorEngineCollection(IVectorDatabase database, string name, Func<VectorEngineCollectionOptions, CollectionModel> buildModel,
        VectorEngineCollectionOptions? options)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        options ??= new VectorEngineCollectionOptions();
        _database = database;
        Name = name;
        _model = buildModel(options);
        _mapper = new RecordMapper<TRecord>(_model);
        _index = options.Index;
        _metadata = new VectorStoreCollectionMetadata { VectorStoreSystemName = SystemName, CollectionName = name };
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <inheritdoc />
    public override async Task<bool> CollectionExistsAsync(CancellationToken cancellationToken = default) =>
        (await Guard("CollectionExists", () => _database.ListCollectionsAsync(cancellationToken)).ConfigureAwait(false)).Contains(Name, StringComparer.Ordinal);

    /// <inheritdoc />
    /// <remarks>An existing collection is left as it is, whatever its schema.</remarks>
    public override async Task EnsureCollectionExistsAsync(CancellationToken cancellationToken = default)
    {
        if (await CollectionExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            await Guard("EnsureCollectionExists", () => _database.CreateCollectionAsync(Name, CollectionSchema.Options(_model, _index), cancellationToken))
                .ConfigureAwait(false);
        }
        catch (VectorStoreException e) when (e.InnerException is VectorEngineException { Kind: VectorEngineErrorKind.AlreadyExists })
        {
            // Created by someone else meanwhile: it exists, which is what was asked.
        }
    }

    /// <inheritdoc />
    public override async Task EnsureCollectionDeletedAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await Guard("EnsureCollectionDeleted", () => _database.DropCollectionAsync(Name, cancellationToken)).ConfigureAwait(false);
        }
        catch (VectorStoreException e) when (e.InnerException is VectorEngineException { Kind: VectorEngineErrorKind.NotFound })
        {
        }
    }

    /// <inheritdoc />
    public override async Task<TRecord?> GetAsync(TKey key, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        PointId id = KeyMapping.ToPointId(key, nameof(key));
        bool withVector = IncludeVectors(options?.IncludeVectors ?? false);
        IReadOnlyList<PointRecord> found = await Guard("Get", () => Collection().GetAsync([id], withPayload: true, withVector, cancellationToken)).ConfigureAwait(false);
        return found.Count == 0 ? null : _mapper.FromPoint(found[0].Id, found[0].Payload, found[0].Vector);
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<TRecord> GetAsync(IEnumerable<TKey> keys, RecordRetrievalOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        bool withVector = IncludeVectors(options?.IncludeVectors ?? false);
        PointId[] ids = keys.Select(key => KeyMapping.ToPointId(key, nameof(keys))).ToArray();
        if (ids.Length == 0)
        {
            yield break;
        }

        IReadOnlyList<PointRecord> found = await Guard("Get", () => Collection().GetAsync(ids, withPayload: true, withVector, cancellationToken)).ConfigureAwait(false);
        foreach (PointRecord point in found)
        {
            yield return _mapper.FromPoint(point.Id, point.Payload, point.Vector);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Without an order the records come in id order, streamed page by page. With <c>OrderBy</c> the matching records are
    /// read and sorted here (the engine has no sorted scroll), so ordering holds every match in memory at once.
    /// </remarks>
    public override async IAsyncEnumerable<TRecord> GetAsync(System.Linq.Expressions.Expression<Func<TRecord, bool>> filter, int top,
        FilteredRecordRetrievalOptions<TRecord>? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        options ??= new FilteredRecordRetrievalOptions<TRecord>();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Skip, nameof(options.Skip));
        bool withVector = IncludeVectors(options.IncludeVectors);
        Filter engineFilter = FilterTranslator.Translate(filter, _model);
        IVectorCollection collection = Guard("Get", Collection);

        IAsyncEnumerable<TRecord> matches = Records(collection.ScrollAllAsync(engineFilter, withPayload: true, withVector,
            pageSize: options.OrderBy is null ? Math.Min(PageSize, options.Skip + top) : PageSize, cancellationToken));
        if (options.OrderBy is not null)
        {
            List<TRecord> all = await matches.ToListAsync(cancellationToken).ConfigureAwait(false);
            var order = options.OrderBy(new FilteredRecordRetrievalOptions<TRecord>.OrderByDefinition());
            all.Sort(new RecordOrder<TRecord>(order.Values.Select(sort => (_model.GetDataOrKeyProperty(sort.PropertySelector), sort.Ascending)).ToArray()));
            matches = all.ToAsyncEnumerable();
        }

        await foreach (TRecord record in matches.Skip(options.Skip).Take(top).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return record;
        }
    }

    /// <inheritdoc />
    public override Task DeleteAsync(TKey key, CancellationToken cancellationToken = default)
    {
        PointId id = KeyMapping.ToPointId(key, nameof(key));
        return Guard("Delete", () => Collection().DeleteAsync([id], cancellationToken));
    }

    /// <inheritdoc />
    public override Task DeleteAsync(IEnumerable<TKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        PointId[] ids = keys.Select(key => KeyMapping.ToPointId(key, nameof(keys))).ToArray();
        return ids.Length == 0 ? Task.CompletedTask : Guard("Delete", () => Collection().DeleteAsync(ids, cancellationToken));
    }

    /// <inheritdoc />
    public override Task UpsertAsync(TRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return UpsertAsync([record], cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The batch is applied whole or not at all: embeddings are made for every record first, then one upsert writes them.</remarks>
    public override async Task UpsertAsync(IEnumerable<TRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        IReadOnlyList<TRecord> batch = records as IReadOnlyList<TRecord> ?? records.ToList();
        if (batch.Count == 0)
        {
            return;
        }

        AssignGeneratedKeys(batch);
        IReadOnlyList<Embedding>? embeddings = null;
        if (_mapper.VectorIsGenerated)
        {
            VectorPropertyModel vector = _model.VectorProperty;
            object[] inputs = batch.Select(r => vector.GetValueAsObject(r) ?? throw new ArgumentException(
                $"Record {_mapper.IdOf(r)} has nothing in '{vector.ModelName}' to embed; every VectorEngine point has a vector.", nameof(records))).ToArray();
            embeddings = await vector.GenerateEmbeddingsAsync(inputs, cancellationToken).ConfigureAwait(false);
        }

        Point[] points = new Point[batch.Count];
        for (int i = 0; i < points.Length; i++)
        {
            // Typed null: a bare null would turn into an empty vector through ReadOnlyMemory's conversion from arrays.
            points[i] = _mapper.ToPoint(batch[i], embeddings is null ? (ReadOnlyMemory<float>?)null : ((Embedding<float>)embeddings[i]).Vector);
        }

        await Guard("Upsert", () => Collection().UpsertAsync(points, cancellationToken)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<VectorSearchResult<TRecord>> SearchAsync<TInput>(TInput searchValue, int top,
        VectorSearchOptions<TRecord>? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(searchValue);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        options ??= new VectorSearchOptions<TRecord>();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Skip, nameof(options.Skip));
        bool withVector = IncludeVectors(options.IncludeVectors);
        VectorPropertyModel vectorProperty = _model.GetVectorPropertyOrSingle(options);
        Filter? filter = options.Filter is null ? null : FilterTranslator.Translate(options.Filter, _model);
        float[] vector = await QueryVectorAsync(vectorProperty, searchValue, cancellationToken).ConfigureAwait(false);

        var request = new SearchRequest(vector, checked(options.Skip + top))
        {
            Filter = filter,
            ScoreThreshold = options.ScoreThreshold is { } threshold ? DistanceFunctions.ToEngineThreshold(vectorProperty.DistanceFunction, threshold) : null,
            WithPayload = true,
            WithVector = withVector,
        };
        IReadOnlyList<ScoredPoint> hits = await Guard("Search", () => Collection().SearchAsync(request, cancellationToken)).ConfigureAwait(false);
        for (int i = options.Skip; i < hits.Count; i++)
        {
            ScoredPoint hit = hits[i];
            yield return new VectorSearchResult<TRecord>(_mapper.FromPoint(hit.Id, hit.Payload, hit.Vector),
                DistanceFunctions.ToScore(vectorProperty.DistanceFunction, hit.Score));
        }
    }

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(VectorStoreCollectionMetadata) ? _metadata
            : serviceType.IsInstanceOfType(_database) ? _database
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    private static async Task<float[]> QueryVectorAsync<TInput>(VectorPropertyModel vectorProperty, TInput searchValue, CancellationToken cancellationToken) =>
        searchValue switch
        {
            ReadOnlyMemory<float> memory => memory.ToArray(),
            float[] array => array,
            Embedding<float> embedding => embedding.Vector.ToArray(),
            _ when vectorProperty.EmbeddingGenerator is IEmbeddingGenerator<TInput, Embedding<float>> generator =>
                (await generator.GenerateVectorAsync(searchValue, cancellationToken: cancellationToken).ConfigureAwait(false)).ToArray(),
            _ when vectorProperty.EmbeddingGenerator is null => throw new NotSupportedException(
                VectorDataStrings.InvalidSearchInputAndNoEmbeddingGeneratorWasConfigured(searchValue!.GetType(), "ReadOnlyMemory<float>, Embedding<float>, float[]")),
            _ => throw new InvalidOperationException(
                VectorDataStrings.IncompatibleEmbeddingGeneratorWasConfiguredForInputType(typeof(TInput), vectorProperty.EmbeddingGenerator.GetType())),
        };

    // Vectors made by an embedding generator are not the record's property (a string): there is nothing to give back.
    private bool IncludeVectors(bool requested) => requested && _model.EmbeddingGenerationRequired
        ? throw new NotSupportedException(VectorDataStrings.IncludeVectorsNotSupportedWithEmbeddingGeneration)
        : requested;

    private void AssignGeneratedKeys(IReadOnlyList<TRecord> batch)
    {
        KeyPropertyModel key = _model.KeyProperty;
        if (!key.IsAutoGenerated)
        {
            return;
        }

        foreach (TRecord record in batch)
        {
            if (key.GetValueAsObject(record) is Guid g && g == Guid.Empty)
            {
                key.SetValueAsObject(record, Guid.NewGuid());
            }
        }
    }

    private async IAsyncEnumerable<TRecord> Records(IAsyncEnumerable<PointRecord> points)
    {
        await using IAsyncEnumerator<PointRecord> e = points.GetAsyncEnumerator();
        while (await Guard("Get", () => e.MoveNextAsync().AsTask()).ConfigureAwait(false))
        {
            yield return _mapper.FromPoint(e.Current.Id, e.Current.Payload, e.Current.Vector);
        }
    }

    private IVectorCollection Collection() => _database.OpenCollection(Name);

    private T Guard<T>(string operation, Func<T> work)
    {
        try
        {
            return work();
        }
        catch (VectorEngineException e)
        {
            throw Wrap(operation, e);
        }
    }

    private async Task<T> Guard<T>(string operation, Func<Task<T>> work)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (VectorEngineException e)
        {
            throw Wrap(operation, e);
        }
    }

    private async Task Guard(string operation, Func<Task> work)
    {
        try
        {
            await work().ConfigureAwait(false);
        }
        catch (VectorEngineException e)
        {
            throw Wrap(operation, e);
        }
    }

    // Engine failures (a missing collection, a closed database, storage) reach the caller as the abstraction's
    // VectorStoreException with the engine's error inside; bad arguments stay ArgumentExceptions.
    private VectorStoreException Wrap(string operation, VectorEngineException e) =>
        new($"VectorEngine {operation} on collection '{Name}' failed: {e.Message}", e)
        {
            VectorStoreSystemName = SystemName,
            CollectionName = Name,
            OperationName = operation,
        };
}
