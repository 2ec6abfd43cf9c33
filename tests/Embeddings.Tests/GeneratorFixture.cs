namespace VectorEngine.Embeddings.Tests;

/// <summary>One MiniLM session for the whole test class: loading the 90 MB model takes about a second.</summary>
public sealed class GeneratorFixture : IDisposable
{
    public OnnxEmbeddingGenerator Generator { get; } = new(new OnnxEmbeddingOptions { Threads = 2, CacheCapacity = 0 });

    public void Dispose() => Generator.Dispose();
}
