using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Polly.CircuitBreaker;
using VectorEngine.Filters;

namespace VectorEngine.Matching.Tests;

public sealed partial class MatchPipelineTests(JobsCollection data) : IClassFixture<JobsCollection>
{
    private const string Resume = "Backend engineer, 6 years of Python and Django, PostgreSQL, AWS; looking for a remote role on a data platform team.";

    [Fact]
    public async Task Text_in_gives_hybrid_candidates_under_the_prefilter_and_the_blend_reranks_them_with_payload_boosts()
    {
        using var plain = new MatchPipeline(data.Jobs, embedder: data.Embedder);
        MatchResult baseline = await plain.MatchAsync(new MatchRequest { Text = Resume, Limit = 10 });
        Assert.False(baseline.Degraded);
        Assert.Equal(10, baseline.Points.Count);
        Assert.True(baseline.Points.Count(p => p.Candidate.VectorScore is not null) >= 5, "the dense stage found candidates from the embedded query");
        Assert.True(baseline.Points.Count(p => p.Candidate.TextScore is not null) >= 5, "the BM25 stage found candidates");
        Assert.True(baseline.Timings.Embed > TimeSpan.Zero);

        // Prefilter: only remote postings that say "python".
        MatchResult filtered = await plain.MatchAsync(new MatchRequest
        {
            Text = Resume,
            Filter = new Filter { Must = { Condition.Match("remote", true) } },
            RequiredTerms = ["python"],
            Limit = 5,
        });
        Assert.NotEmpty(filtered.Points);
        Assert.All(filtered.Points, p =>
        {
            Assert.True(p.Candidate.Payload!["remote"].AsBool);
            Assert.Contains("python", p.Candidate.Payload["text"].AsString, StringComparison.OrdinalIgnoreCase);
        });

        // The blend: a strong boost for non-remote postings turns the order over; a recency boost orders by date alone.
        using var onsite = new MatchPipeline(data.Jobs, embedder: data.Embedder,
            reranker: new BlendReranker(boosts: [PayloadBoost.Matching("remote", false, 100)]));
        MatchResult boosted = await onsite.MatchAsync(new MatchRequest { Text = Resume, Limit = 10, Candidates = 40 });
        Assert.False(boosted.Degraded);
        Assert.All(boosted.Points.Take(5), p => Assert.False(p.Candidate.Payload!["remote"].AsBool));
        Assert.All(boosted.Points, p => Assert.NotNull(p.RerankScore));

        var now = new FixedTime(JobsCollection.Epoch.AddDays(400));
        using var fresh = new MatchPipeline(data.Jobs, embedder: data.Embedder,
            reranker: new BlendReranker(new BlendWeights(0, 0), [PayloadBoost.Recency("posted", TimeSpan.FromDays(30), 1)], now));
        MatchResult newest = await fresh.MatchAsync(new MatchRequest { Text = Resume, Limit = 10, Candidates = 40 });
        DateTime[] dates = newest.Points.Select(p => p.Candidate.Payload!["posted"].AsDateTime).ToArray();
        Assert.Equal(dates.OrderDescending(), dates);
    }

    [Fact]
    public async Task The_LLM_reranker_sees_the_query_and_numbered_candidates_and_its_scores_decide_the_order()
    {
        // The scripted model prefers the candidates the stage ranked last: the answer must follow it, not the stage.
        var chat = new ScriptedChatClient((system, user, _) =>
        {
            int count = CandidateLine().Matches(user).Count;
            return Task.FromResult("Here you go:\n[" + string.Join(",", Enumerable.Range(1, count).Select(i => $"{{\"candidate\": {i}, \"score\": {i * 10.0 / count:F2}}}")) + "]");
        });
        using var pipeline = new MatchPipeline(data.Jobs, embedder: data.Embedder, reranker: new LlmReranker(chat));
        MatchResult result = await pipeline.MatchAsync(new MatchRequest { Text = Resume, Candidates = 12, Limit = 12 });

        Assert.False(result.Degraded);
        Assert.Equal(Enumerable.Range(1, 12).Reverse(), result.Points.Select(p => p.Candidate.CandidateRank));
        Assert.Contains(Resume, chat.LastPrompt);
        Assert.Contains("[12] ", chat.LastPrompt);
        Assert.Contains(result.Points[0].Candidate.Payload!["text"].AsString[..40].ReplaceLineEndings(" "), chat.LastPrompt);
    }

    [Theory]
    [InlineData("Sure! I think candidate 3 is best.", "no JSON array")]
    [InlineData("[{\"candidate\": 99, \"score\": 5}]", "scores none")]
    [InlineData("[{\"candidate\": 1, \"score\": }]", "not valid JSON")]
    public async Task An_unreadable_LLM_reply_degrades_to_the_candidate_order_and_says_why(string reply, string reason)
    {
        var chat = new ScriptedChatClient((_, _, _) => Task.FromResult(reply));
        using var pipeline = new MatchPipeline(data.Jobs, embedder: data.Embedder, reranker: new LlmReranker(chat));
        MatchResult result = await pipeline.MatchAsync(new MatchRequest { Text = Resume, Candidates = 10, Limit = 10 });
        Assert.True(result.Degraded);
        Assert.Contains(reason, result.DegradedReason);
        Assert.Equal(Enumerable.Range(1, 10), result.Points.Select(p => p.Candidate.CandidateRank));
        Assert.All(result.Points, p => Assert.Null(p.RerankScore));
    }

    [Fact]
    public async Task A_slow_LLM_times_out_the_answer_keeps_the_candidate_order_and_the_breaker_opens_then_recovers()
    {
        bool slow = true;
        var chat = new ScriptedChatClient(async (_, user, token) =>
        {
            if (slow)
            {
                await Task.Delay(TimeSpan.FromSeconds(30), token);
            }

            return "[" + string.Join(",", Enumerable.Range(1, CandidateLine().Matches(user).Count).Select(i => $"{{\"candidate\": {i}, \"score\": {i}}}")) + "]";
        });
        var options = new MatchPipelineOptions
        {
            RerankTimeout = TimeSpan.FromMilliseconds(300),
            BreakerMinimumThroughput = 3,
            BreakerFailureRatio = 0.5,
            BreakerBreakDuration = TimeSpan.FromSeconds(1),
        };
        using var fallbacks = new FallbackCounter();
        using var pipeline = new MatchPipeline(data.Jobs, options, data.Embedder, new LlmReranker(chat));
        var request = new MatchRequest { Text = Resume, Candidates = 8, Limit = 8 };
        MatchResult expectedOrder = await pipeline.MatchAsync(request with { SkipRerank = true });

        for (int i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            MatchResult timedOut = await pipeline.MatchAsync(request);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"a timed-out rerank answered after {clock.Elapsed}");
            Assert.True(timedOut.Degraded);
            Assert.Contains("took longer than 0.3 s", timedOut.DegradedReason);
            Assert.Equal(expectedOrder.Points.Select(p => p.Id), timedOut.Points.Select(p => p.Id));
        }

        // Three failures in the window: the breaker is open, and the model is not even asked.
        Assert.Equal(CircuitState.Open, pipeline.RerankerState);
        int calls = chat.Calls;
        MatchResult skipped = await pipeline.MatchAsync(request);
        Assert.True(skipped.Degraded);
        Assert.Contains("circuit breaker", skipped.DegradedReason);
        Assert.Equal(calls, chat.Calls);
        Assert.True(fallbacks.Count("rerank_timeout") >= 3 && fallbacks.Count("breaker_open") >= 1);

        // The model is fast again; after the break one trial call goes through and closes the breaker.
        slow = false;
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        MatchResult recovered = await pipeline.MatchAsync(request);
        Assert.False(recovered.Degraded);
        Assert.Equal(CircuitState.Closed, pipeline.RerankerState);
        Assert.Equal(Enumerable.Range(1, 8).Reverse(), recovered.Points.Select(p => p.Candidate.CandidateRank));
    }

    [Fact]
    public async Task Without_an_embedding_the_match_runs_on_BM25_and_says_degraded()
    {
        using var pipeline = new MatchPipeline(data.Jobs, new MatchPipelineOptions { EmbedTimeout = TimeSpan.FromMilliseconds(200) }, new FailingEmbedder());
        MatchResult result = await pipeline.MatchAsync(new MatchRequest { Text = "django postgres", Limit = 5 });
        Assert.True(result.Degraded);
        Assert.Contains("BM25 alone", result.DegradedReason);
        Assert.All(result.Points, p => Assert.Null(p.Candidate.VectorScore));
        Assert.NotEmpty(result.Points);
    }

    [Fact]
    public async Task Bad_match_requests_are_refused_with_typed_errors()
    {
        using var pipeline = new MatchPipeline(data.Jobs, embedder: data.Embedder);
        await Assert.ThrowsAsync<VectorEngineArgumentException>(() => pipeline.MatchAsync(new MatchRequest()));
        await Assert.ThrowsAsync<VectorEngineArgumentException>(() => pipeline.MatchAsync(new MatchRequest { Text = "x", Candidates = 5, Limit = 6 }));
        await Assert.ThrowsAsync<VectorEngineArgumentException>(() => pipeline.MatchAsync(new MatchRequest { Text = "x", Limit = 0 }));
        await Assert.ThrowsAsync<VectorEngineArgumentException>(() => pipeline.MatchAsync(new MatchRequest { Text = "x", RequiredTerms = [" "] }));
        await Assert.ThrowsAsync<DimensionMismatchException>(() => pipeline.MatchAsync(new MatchRequest { Vector = [1, 2, 3] }));
        Assert.Throws<VectorEngineArgumentException>(() => new MatchPipeline(data.Jobs, new MatchPipelineOptions { RerankTimeout = TimeSpan.Zero }));
        Assert.Throws<VectorEngineArgumentException>(() => new MatchPipeline(data.Jobs, new MatchPipelineOptions { BreakerFailureRatio = 2 }));
        Assert.Throws<VectorEngineArgumentException>(() => PayloadBoost.Recency("posted", TimeSpan.Zero, 1));
    }

    [GeneratedRegex(@"^\[\d+\] ", RegexOptions.Multiline)]
    private static partial Regex CandidateLine();

    private sealed class FixedTime(DateTime now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(now);
    }

    private sealed class FailingEmbedder : Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>
    {
        public async Task<Microsoft.Extensions.AI.GeneratedEmbeddings<Microsoft.Extensions.AI.Embedding<float>>> GenerateAsync(IEnumerable<string> values,
            Microsoft.Extensions.AI.EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
            throw new InvalidOperationException("unreachable");
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    /// <summary>Counts the pipeline's fallbacks by reason, as a metrics exporter would see them.</summary>
    private sealed class FallbackCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _counts = new();

        public FallbackCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "VectorEngine.Matching" && instrument.Name == "vectorengine.match.fallbacks")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (KeyValuePair<string, object?> tag in tags)
                {
                    if (tag.Key == "reason")
                    {
                        _counts.AddOrUpdate((string)tag.Value!, value, (_, old) => old + value);
                    }
                }
            });
            _listener.Start();
        }

        public long Count(string reason) => _counts.GetValueOrDefault(reason);

        public void Dispose() => _listener.Dispose();
    }
}
