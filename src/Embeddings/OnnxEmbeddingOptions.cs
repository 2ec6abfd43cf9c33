namespace VectorEngine.Embeddings;

/// <summary>How an <see cref="OnnxEmbeddingGenerator"/> runs its model.</summary>
public sealed class OnnxEmbeddingOptions
{
    /// <summary>The model; all-MiniLM-L6-v2 when not set.</summary>
    public SentenceModel? Model { get; set; }

    /// <summary>Threads one model run uses (ONNX Runtime's intra-op pool); 0 lets ONNX Runtime pick (all cores).</summary>
    public int Threads { get; set; }

    /// <summary>The most texts in one model run. Texts are sorted by length first, so a run pads little.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// The most word pieces in one model run (texts x the longest text's length); 0 picks by execution provider: 512
    /// on the CPU, 16,384 on CUDA.
    /// </summary>
    /// <remarks>
    /// On a CPU a run's activations must stay in cache: measured on 256 job postings (~220 word pieces each, 2
    /// threads), runs of 1-2 postings embed 49 texts/s and runs of 128 only 18. Short texts still batch widely
    /// (512 word pieces is 40 ten-word queries), which is where batching pays.
    /// </remarks>
    public int MaxTokensPerRun { get; set; }

    /// <summary>Texts whose vectors are kept (by a hash of the text); 0 turns the cache off.</summary>
    public int CacheCapacity { get; set; } = 10_000;

    /// <summary>Where the model runs.</summary>
    public EmbeddingExecution Execution { get; set; } = EmbeddingExecution.Auto;

    internal void Validate()
    {
        if (Threads < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be 0 (ONNX Runtime's choice) or more.");
        }

        if (BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "A batch holds at least one text.");
        }

        if (MaxTokensPerRun < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxTokensPerRun), MaxTokensPerRun, "The word-piece budget must be 0 (automatic) or more.");
        }

        if (CacheCapacity < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(CacheCapacity), CacheCapacity, "The cache capacity must be 0 (off) or more.");
        }

        if (!Enum.IsDefined(Execution))
        {
            throw new ArgumentOutOfRangeException(nameof(Execution), Execution, "Unknown execution provider.");
        }
    }
}
