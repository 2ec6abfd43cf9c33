using Microsoft.Extensions.AI;

namespace VectorEngine.Embeddings;

/// <summary>
/// Sentence embeddings computed on this machine: an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over ONNX
/// Runtime for BERT-style models (all-MiniLM-L6-v2 by default). Vectors are mean-pooled and L2-normalised, so cosine
/// and inner product rank alike. Thread-safe; one instance per model is meant to live as long as the app.
/// </summary>
public sealed class OnnxEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly SentenceModel _model;
    private readonly OnnxEmbeddingOptions _options;
    private readonly WordPieceEncoder _tokenizer;
    private readonly OnnxSentenceEncoder _encoder;
    private readonly EmbeddingCache _cache;
    private readonly SemaphoreSlim _runs = new(1, 1);
    private readonly EmbeddingGeneratorMetadata _metadata;
    private readonly int _tokensPerRun;
    private long _modelRuns;
    private long _textsEmbedded;

    /// <summary>Loads the model and starts an ONNX Runtime session (about a second for MiniLM).</summary>
    /// <param name="options">Model, threads, batch size, cache; all-MiniLM-L6-v2 with defaults when null.</param>
    public OnnxEmbeddingGenerator(OnnxEmbeddingOptions? options = null)
    {
        _options = options ?? new OnnxEmbeddingOptions();
        _options.Validate();
        _model = _options.Model ?? SentenceModel.MiniLM;
        _tokenizer = new WordPieceEncoder(_model.Vocabulary, _model.LowerCase, _model.MaxTokens);

        _encoder = new OnnxSentenceEncoder(_model, _options.Threads, _options.Execution);
        _cache = new EmbeddingCache(_options.CacheCapacity);
        _tokensPerRun = _options.MaxTokensPerRun > 0 ? _options.MaxTokensPerRun : _encoder.Provider == "CUDA" ? 16_384 : 512;
        _metadata = new EmbeddingGeneratorMetadata("VectorEngine.Onnx", defaultModelId: _model.Name, defaultModelDimensions: _encoder.Dimensions);
    }

    /// <summary>The vector width.</summary>
    public int Dimensions => _encoder.Dimensions;

    /// <summary>The execution provider in use: CUDA or CPU.</summary>
    public string ExecutionProvider => _encoder.Provider;

    /// <summary>The model's name.</summary>
    public string ModelId => _model.Name;

    /// <summary>Model runs so far (one per batch).</summary>
    public long ModelRuns => Interlocked.Read(ref _modelRuns);

    /// <summary>Texts the model embedded so far: cache hits and merged duplicates are not counted.</summary>
    public long TextsEmbedded => Interlocked.Read(ref _textsEmbedded);

    /// <summary>Embeds one text; shorthand for a batch of one.</summary>
    /// <param name="text">The text (empty is allowed and gets a vector).</param>
    /// <param name="cancellationToken">Stops waiting; a model run already started finishes.</param>
    public async Task<float[]> EmbedAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        // A copy: the cached vector is shared with later callers and must not change under them.
        return (float[])(await EmbedManyAsync([text], cancellationToken).ConfigureAwait(false))[0].Clone();
    }

    /// <inheritdoc />
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options?.Dimensions is int asked && asked != Dimensions)
        {
            throw new ArgumentOutOfRangeException(nameof(options), asked, $"Model {ModelId} makes {Dimensions}-dimensional vectors only.");
        }

        if (options?.ModelId is string model && !string.Equals(model, ModelId, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"This generator runs model {ModelId}, not {model}.", nameof(options));
        }

        string[] texts = values.ToArray();
        float[][] vectors = await EmbedManyAsync(texts, cancellationToken).ConfigureAwait(false);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var result = new GeneratedEmbeddings<Embedding<float>>(vectors.Length);
        foreach (float[] vector in vectors)
        {
            result.Add(new Embedding<float>(vector) { ModelId = ModelId, CreatedAt = now });
        }

        return result;
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        return serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _encoder.Dispose();
        _cache.Dispose();
        _runs.Dispose();
    }

    /// <summary>
    /// Vectors for <paramref name="texts"/>, in order: from the cache, from another caller already embedding the same
    /// text, or from model runs over this caller's share.
    /// </summary>
    internal async Task<float[][]> EmbedManyAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var vectors = new float[texts.Count][];
        var mine = new Dictionary<UInt128, Claim>();
        var theirs = new List<(int Index, Task<float[]> Vector)>();
        for (int i = 0; i < texts.Count; i++)
        {
            string text = texts[i] ?? throw new ArgumentNullException(nameof(texts), $"Text {i} is null.");
            UInt128 key = EmbeddingCache.KeyOf(text);
            if (_cache.TryGet(key, out float[] cached))
            {
                vectors[i] = cached;
            }
            else if (mine.TryGetValue(key, out Claim? claim))
            {
                claim.Indexes.Add(i);
            }
            else if (_cache.TryClaim(key, out TaskCompletionSource<float[]> promise))
            {
                mine[key] = new Claim(key, text, promise, [i]);
            }
            else
            {
                theirs.Add((i, promise.Task));
            }
        }

        if (mine.Count > 0)
        {
            await EmbedClaimsAsync(mine.Values.ToArray(), cancellationToken).ConfigureAwait(false);
            foreach (Claim claim in mine.Values)
            {
                float[] vector = await claim.Promise.Task.ConfigureAwait(false);
                foreach (int index in claim.Indexes)
                {
                    vectors[index] = vector;
                }
            }
        }

        foreach ((int index, Task<float[]> vector) in theirs)
        {
            try
            {
                vectors[index] = await vector.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The caller that claimed this text gave up before embedding it: embed it here.
                vectors[index] = (await EmbedManyAsync([texts[index]], cancellationToken).ConfigureAwait(false))[0];
            }
        }

        return vectors;
    }

    private async Task EmbedClaimsAsync(Claim[] claims, CancellationToken cancellationToken)
    {
        int next = 0;
        try
        {
            // Tokenize first so that batches can be formed by length: sorted, a batch pads to near its own length.
            foreach (Claim claim in claims)
            {
                claim.Tokens = _tokenizer.Encode(claim.Text);
            }

            Array.Sort(claims, static (a, b) => b.Tokens.Length.CompareTo(a.Tokens.Length));
            while (next < claims.Length)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Longest first, so the run pads every text to its first one's length.
                int fits = Math.Max(1, _tokensPerRun / claims[next].Tokens.Length);
                int count = Math.Min(Math.Min(_options.BatchSize, fits), claims.Length - next);
                ArraySegment<Claim> batch = new(claims, next, count);
                float[] flat = await RunAsync(batch, cancellationToken).ConfigureAwait(false);
                for (int i = 0; i < count; i++)
                {
                    Claim claim = batch[i];
                    _cache.Fulfil(claim.Key, claim.Promise, flat.AsSpan(i * Dimensions, Dimensions).ToArray());
                }

                next += count;
            }
        }
        catch (Exception e)
        {
            for (int i = next; i < claims.Length; i++)
            {
                _cache.Abandon(claims[i].Key, claims[i].Promise, e is OperationCanceledException ? null : e);
            }

            throw;
        }
    }

    private async Task<float[]> RunAsync(IReadOnlyList<Claim> batch, CancellationToken cancellationToken)
    {
        await _runs.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A model run is seconds of CPU: off the caller's thread, one at a time so runs do not fight for cores.
            return await Task.Run(() =>
            {
                var tokens = new int[batch.Count][];
                for (int i = 0; i < batch.Count; i++)
                {
                    tokens[i] = batch[i].Tokens;
                }

                var flat = new float[batch.Count * Dimensions];
                _encoder.Encode(tokens, flat);
                Interlocked.Increment(ref _modelRuns);
                Interlocked.Add(ref _textsEmbedded, batch.Count);
                return flat;
            }, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _runs.Release();
        }
    }

    private sealed class Claim(UInt128 key, string text, TaskCompletionSource<float[]> promise, List<int> indexes)
    {
        public UInt128 Key { get; } = key;

        public string Text { get; } = text;

        public TaskCompletionSource<float[]> Promise { get; } = promise;

        public List<int> Indexes { get; } = indexes;

        public int[] Tokens { get; set; } = [];
    }
}
