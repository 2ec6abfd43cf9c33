namespace VectorEngine.Embeddings;

/// <summary>Where ONNX Runtime runs the model.</summary>
public enum EmbeddingExecution
{
    /// <summary>CUDA when this build carries it (<c>-p:OnnxGpu=true</c>) and a GPU answers, the CPU otherwise.</summary>
    Auto,

    /// <summary>The CPU only.</summary>
    Cpu,

    /// <summary>CUDA, or fail at start: for a deployment that must not fall back silently.</summary>
    Cuda,
}
