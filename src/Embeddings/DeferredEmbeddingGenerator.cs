using Microsoft.Extensions.AI;

namespace VectorEngine.Embeddings;

/// <summary>
/// An embedding generator made on first use: a server registers the models it offers without loading any until a
/// collection embeds (MiniLM's session takes ~90 MB and a second to start).
/// </summary>
public sealed class DeferredEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly Lazy<IEmbeddingGenerator<string, Embedding<float>>> _generator;

    /// <summary>Creates the deferred generator.</summary>
    /// <param name="create">Makes the real generator, once, on first use (thread-safe).</param>
    public DeferredEmbeddingGenerator(Func<IEmbeddingGenerator<string, Embedding<float>>> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        _generator = new Lazy<IEmbeddingGenerator<string, Embedding<float>>>(create, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Whether the real generator has been made.</summary>
    public bool IsCreated => _generator.IsValueCreated;

    /// <inheritdoc />
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        _generator.Value.GenerateAsync(values, options, cancellationToken);

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) => _generator.Value.GetService(serviceType, serviceKey);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_generator.IsValueCreated)
        {
            _generator.Value.Dispose();
        }
    }
}
