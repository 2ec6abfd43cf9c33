using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.AI;
using VectorEngine.Api.V1;
using VectorEngine.Matching;
using VectorEngine.Protocol.Mapping;
using VectorEngine.Server.Hosting;
using EngineMatchedPoint = VectorEngine.Matching.MatchedPoint;
using EnginePayloadBoost = VectorEngine.Matching.PayloadBoost;
using WireMatchedPoint = VectorEngine.Api.V1.MatchedPoint;

namespace VectorEngine.Server.Services;

/// <summary>
/// vectorengine.v1.Matching: the match pipeline on the server (standalone), with the collection's own embedding
/// generator for query text and the blend reranker. An LLM rerank runs on the client (MatchPipeline over the Points
/// service), where the chat client and its credentials live.
/// </summary>
public sealed class MatchingService : Api.V1.Matching.MatchingBase
{
    private readonly DatabaseHost _host;
    private readonly Cluster.ClusterHost _cluster;
    private readonly ILogger<MatchingService> _logger;

    /// <summary>Creates the service.</summary>
    /// <param name="host">The database.</param>
    /// <param name="cluster">The cluster, if any (matching is served standalone only for now).</param>
    /// <param name="logger">Logs degraded matches.</param>
    public MatchingService(DatabaseHost host, Cluster.ClusterHost cluster, ILogger<MatchingService> logger)
    {
        _host = host;
        _cluster = cluster;
        _logger = logger;
    }

    /// <inheritdoc />
    public override async Task<MatchResponse> Match(MatchPoints request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (_cluster.Enabled)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, "Match on cluster collections is not served yet: run MatchPipeline on the client."));
        }

        var clock = Stopwatch.StartNew();
        Collection collection = _host.Database.GetCollection(request.CollectionName);
        IEmbeddingGenerator<string, Embedding<float>>? embedder = collection.Options.Embedding is { } embedding
            && _host.Database.Options.EmbeddingGenerators.TryGetValue(embedding.Generator, out var generator) ? generator : null;
        var options = new MatchPipelineOptions
        {
            TextField = request.TextField.Length > 0 ? request.TextField : "text",
            Fusion = request.Fusion.ToEngine(),
            DenseWeight = request.HasDenseWeight ? request.DenseWeight : 1,
            TextWeight = request.HasTextWeight ? request.TextWeight : 1,
        };
        if (request.HasCandidates)
        {
            options.Candidates = (int)Math.Min(request.Candidates, int.MaxValue);
        }

        var reranker = new BlendReranker(
            new BlendWeights(request.HasBlendVectorWeight ? request.BlendVectorWeight : 1, request.HasBlendTextWeight ? request.BlendTextWeight : 0.5),
            request.Boosts.Select((b, i) => ToEngine(b, $"boosts[{i}]")).ToArray());
        using var pipeline = new MatchPipeline(collection, options, embedder, reranker, logger: _logger);
        MatchResult result = await pipeline.MatchAsync(new MatchRequest
        {
            Text = request.Text.Length > 0 ? request.Text : null,
            Vector = request.Vector.Count > 0 ? request.Vector.ToArray() : null,
            Filter = request.Filter.ToEngine("filter"),
            RequiredTerms = request.RequiredTerms.Count > 0 ? request.RequiredTerms.ToArray() : null,
            Limit = request.Limit is 0 or > int.MaxValue ? throw new VectorEngineArgumentException($"limit must be from 1 to {int.MaxValue}; got {request.Limit}.", "limit") : (int)request.Limit,
            SkipRerank = request.SkipRerank,
        }, context.CancellationToken).ConfigureAwait(false);

        var response = new MatchResponse
        {
            Degraded = result.Degraded,
            DegradedReason = result.DegradedReason ?? "",
            EmbedSeconds = result.Timings.Embed.TotalSeconds,
            CandidatesSeconds = result.Timings.Candidates.TotalSeconds,
            RerankSeconds = result.Timings.Rerank.TotalSeconds,
        };
        foreach (EngineMatchedPoint point in result.Points)
        {
            response.Result.Add(ToWire(point));
        }

        response.Time = clock.Elapsed.TotalSeconds;
        return response;
    }

    private static WireMatchedPoint ToWire(EngineMatchedPoint point)
    {
        var wire = new WireMatchedPoint
        {
            Id = point.Id.ToWire(),
            Score = point.Score,
            CandidateRank = (uint)point.Candidate.CandidateRank,
            CandidateScore = point.Candidate.CandidateScore,
        };
        if (point.Candidate.VectorScore is { } vector)
        {
            wire.VectorScore = vector;
        }

        if (point.Candidate.TextScore is { } text)
        {
            wire.TextScore = text;
        }

        if (point.RerankScore is { } rerank)
        {
            wire.RerankScore = rerank;
        }

        point.Candidate.Payload.CopyTo(wire.Payload);
        return wire;
    }

    private static EnginePayloadBoost ToEngine(Api.V1.PayloadBoost boost, string field) => boost.BoostCase switch
    {
        Api.V1.PayloadBoost.BoostOneofCase.Recency => EnginePayloadBoost.Recency(boost.Recency.Field,
            boost.Recency.HalfLifeSeconds is > 0 and < 1e12 ? TimeSpan.FromSeconds(boost.Recency.HalfLifeSeconds) : throw new VectorEngineArgumentException($"{field}.recency.half_life_seconds must be positive.", field),
            boost.Recency.Weight),
        Api.V1.PayloadBoost.BoostOneofCase.Match => EnginePayloadBoost.Matching(boost.Match.Field, boost.Match.Value.ToEngine($"{field}.match.value"), boost.Match.Weight),
        _ => throw new VectorEngineArgumentException($"{field} is empty: set recency or match.", field),
    };
}
