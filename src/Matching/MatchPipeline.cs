using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using VectorEngine.Filters;

namespace VectorEngine.Matching;

/// <summary>
/// Match = prefilter, hybrid candidates, rerank. Stage 1 narrows by payload filter and required words; stage 2 fuses a
/// dense search (the query embedded on the fly when only text is given) with BM25 into N candidates; stage 3 rescores
/// them with an <see cref="IReranker"/>. Every stage has a timeout; the reranker sits behind a circuit breaker, and when
/// it is slow, failing or switched off the answer is the stage-2 order with <see cref="MatchResult.Degraded"/> set and
/// the reason given. Works on any <see cref="IVectorCollection"/>: embedded, or a server's.
/// </summary>
public sealed class MatchPipeline : IDisposable
{
    private readonly IVectorCollection _collection;
    private readonly MatchPipelineOptions _options;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _embedder;
    private readonly IReranker? _reranker;
    private readonly CircuitBreakerStateProvider _breaker = new();
    private readonly ResiliencePipeline _rerankGuard;
    private readonly MatchMetrics _metrics;
    private readonly ILogger _logger;

    /// <summary>Creates a pipeline over one collection.</summary>
    /// <param name="collection">The collection; its <see cref="MatchPipelineOptions.TextField"/> must be a Text payload index for BM25 and required terms.</param>
    /// <param name="options">Stages, fusion, timeouts and breaker; defaults when null.</param>
    /// <param name="embedder">Embeds query text when a request has no vector (e.g. VectorEngine.Embeddings' OnnxEmbeddingGenerator).</param>
    /// <param name="reranker">Stage 3; without one the answer is the candidate order.</param>
    /// <param name="meterFactory">Where the metrics go; a private meter when null.</param>
    /// <param name="logger">Logs fallbacks.</param>
    public MatchPipeline(IVectorCollection collection, MatchPipelineOptions? options = null, IEmbeddingGenerator<string, Embedding<float>>? embedder = null,
        IReranker? reranker = null, IMeterFactory? meterFactory = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(collection);
        _collection = collection;
        _options = options ?? new MatchPipelineOptions();
        _options.Validate();
        _embedder = embedder;
        _reranker = reranker;
        _logger = logger ?? NullLogger.Instance;
        _metrics = new MatchMetrics(meterFactory, _breaker, reranker?.Name ?? "none");

        // Outer breaker, inner timeout: a timed-out call counts as a failure. The caller's own cancellation does not.
        _rerankGuard = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = _options.BreakerFailureRatio,
                MinimumThroughput = _options.BreakerMinimumThroughput,
                SamplingDuration = _options.BreakerSamplingDuration,
                BreakDuration = _options.BreakerBreakDuration,
                StateProvider = _breaker,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
            })
            .AddTimeout(_options.RerankTimeout)
            .Build();
    }

    /// <summary>The rerank breaker's state: Closed (in use), Open (skipped), HalfOpen (one trial call).</summary>
    public CircuitState RerankerState => _breaker.CircuitState;

    /// <summary>Runs one match.</summary>
    /// <param name="request">Query, prefilter, candidate count and limit.</param>
    /// <param name="cancellationToken">The caller's deadline: cancelling fails the match (no degraded answer).</param>
    /// <exception cref="VectorEngineArgumentException">No text and no vector (or text without an embedder and a text field to search), or counts out of range.</exception>
    /// <exception cref="VectorEngineException">The candidate stage timed out (Unavailable) or the collection refused the query.</exception>
    public async Task<MatchResult> MatchAsync(MatchRequest request, CancellationToken cancellationToken = default)
    {
        int candidates = Validate(request);
        var reasons = new List<string>();
        var clock = Stopwatch.StartNew();

        float[]? vector = request.Vector ?? await EmbedAsync(request.Text, reasons, cancellationToken).ConfigureAwait(false);
        TimeSpan embed = clock.Elapsed;
        _metrics.Stage("embed", embed);

        // Stages 1 and 2: the prefilter applies to both the dense and the BM25 stage.
        var stages = new List<Prefetch>(2);
        int denseStage = -1, textStage = -1;
        if (vector is not null)
        {
            denseStage = stages.Count;
            stages.Add(new VectorPrefetch(vector, candidates) { Weight = _options.DenseWeight });
        }

        if (!string.IsNullOrWhiteSpace(request.Text))
        {
            textStage = stages.Count;
            stages.Add(new TextPrefetch(_options.TextField, request.Text, candidates) { Weight = _options.TextWeight });
        }

        if (stages.Count == 0)
        {
            throw new VectorEngineException(VectorEngineErrorKind.Unavailable, $"Match: the query could not be embedded and has no text to search ({string.Join("; ", reasons)}).");
        }

        var query = new HybridQuery(candidates, stages.ToArray()) { Filter = Prefilter(request), Fusion = _options.Fusion };
        IReadOnlyList<FusedPoint> fused;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            deadline.CancelAfter(_options.CandidatesTimeout);
            try
            {
                fused = await _collection.QueryAsync(query, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new VectorEngineException(VectorEngineErrorKind.Unavailable, $"Match: the candidate stage took longer than {_options.CandidatesTimeout.TotalSeconds:0.###} s.");
            }
        }

        TimeSpan candidateTime = clock.Elapsed - embed;
        _metrics.Stage("candidates", candidateTime);
        MatchCandidate[] found = fused.Select((f, i) => new MatchCandidate(
            f.Id,
            f.Score,
            i + 1,
            denseStage >= 0 ? f.StageScores[denseStage] : null,
            textStage >= 0 ? f.StageScores[textStage] : null,
            f.Payload)).ToArray();

        IReadOnlyList<double>? reranked = null;
        if (!request.SkipRerank && _reranker is not null && found.Length > 0)
        {
            reranked = await RerankAsync(new MatchQuery(request.Text, vector), found, reasons, cancellationToken).ConfigureAwait(false);
        }

        TimeSpan rerankTime = clock.Elapsed - embed - candidateTime;
        _metrics.Stage("rerank", rerankTime);
        IEnumerable<MatchedPoint> ordered = reranked is null
            ? found.Select(c => new MatchedPoint(c.Id, c.CandidateScore, c, null))
            : found.Select((c, i) => new MatchedPoint(c.Id, reranked[i], c, reranked[i])).OrderByDescending(m => m.Score).ThenBy(m => m.Candidate.CandidateRank);
        return new MatchResult(
            ordered.Take(request.Limit).ToArray(),
            reasons.Count > 0,
            reasons.Count > 0 ? string.Join("; ", reasons) : null,
            new MatchTimings(embed, candidateTime, rerankTime));
    }

    /// <inheritdoc />
    public void Dispose() => _metrics.Dispose();

    private int Validate(MatchRequest? request)
    {
        if (request is null)
        {
            throw new VectorEngineArgumentException("request is null.", "request");
        }

        if (request.Vector is null && string.IsNullOrWhiteSpace(request.Text))
        {
            throw new VectorEngineArgumentException("A match needs query text, a query vector, or both.", "text");
        }

        int candidates = request.Candidates ?? _options.Candidates;
        if (candidates is < 1 or > Collection.MaxLimit)
        {
            throw new VectorEngineArgumentException($"Candidates must be 1 to {Collection.MaxLimit}; got {candidates}.", "candidates");
        }

        if (request.Limit < 1 || request.Limit > candidates)
        {
            throw new VectorEngineArgumentException($"Limit must be 1 to the candidate count ({candidates}); got {request.Limit}.", "limit");
        }

        if (request.RequiredTerms is { } terms && terms.Any(string.IsNullOrWhiteSpace))
        {
            throw new VectorEngineArgumentException("Required terms must not be empty.", "requiredTerms");
        }

        return candidates;
    }

    private Filter? Prefilter(MatchRequest request)
    {
        if (request.RequiredTerms is not { Count: > 0 } terms)
        {
            return request.Filter;
        }

        var filter = new Filter { Must = { Condition.Text(_options.TextField, string.Join(' ', terms)) } };
        if (request.Filter is not null)
        {
            filter.Must.Add(request.Filter);
        }

        return filter;
    }

    /// <summary>The query's embedding, or null (and a reason) when it cannot be had in time: the match then runs on BM25.</summary>
    private async Task<float[]?> EmbedAsync(string? text, List<string> reasons, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(text) || _embedder is null)
        {
            return null;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.EmbedTimeout);
        try
        {
            GeneratedEmbeddings<Embedding<float>> embedded = await _embedder.GenerateAsync([text], cancellationToken: deadline.Token).ConfigureAwait(false);
            return embedded[0].Vector.ToArray();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Degrade(reasons, "embed_timeout", $"the query embedding took longer than {_options.EmbedTimeout.TotalSeconds:0.###} s, so candidates come from BM25 alone");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Degrade(reasons, "embed_failed", $"the query embedding failed ({e.Message}), so candidates come from BM25 alone");
        }

        return null;
    }

    private async Task<IReadOnlyList<double>?> RerankAsync(MatchQuery query, MatchCandidate[] candidates, List<string> reasons, CancellationToken cancellationToken)
    {
        IReranker reranker = _reranker!;
        try
        {
            return await _rerankGuard.ExecuteAsync(
                async token =>
                {
                    IReadOnlyList<double> scores = await reranker.ScoreAsync(query, candidates, token).ConfigureAwait(false);
                    return scores.Count == candidates.Length && scores.All(double.IsFinite)
                        ? scores
                        : throw new InvalidOperationException($"it returned {scores.Count} scores for {candidates.Length} candidates, or a score that is not a number");
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (BrokenCircuitException)
        {
            Degrade(reasons, "breaker_open", $"reranker {reranker.Name} is switched off by its circuit breaker after repeated failures; candidate order kept");
        }
        catch (TimeoutRejectedException)
        {
            Degrade(reasons, "rerank_timeout", $"reranker {reranker.Name} took longer than {_options.RerankTimeout.TotalSeconds:0.###} s; candidate order kept");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Degrade(reasons, "rerank_failed", $"reranker {reranker.Name} failed ({e.Message}); candidate order kept");
        }

        return null;
    }

    private void Degrade(List<string> reasons, string kind, string reason)
    {
        reasons.Add(reason);
        _metrics.Fallback(kind);
        _logger.LogWarning("Match degraded: {Reason}", reason);
    }
}
