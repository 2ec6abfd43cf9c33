using Microsoft.Extensions.AI;
using VectorEngine.Diagnostics;

namespace VectorEngine;

/// <summary>Text in, vectors made: points and queries that carry text instead of a vector.</summary>
public sealed partial class Collection
{
    /// <summary>
    /// The batch with every vector-less point's vector embedded from its text (one generator call for the batch), or the
    /// batch itself when every point has a vector. A point with neither is refused, naming it, before anything is written.
    /// </summary>
    private IReadOnlyList<Point> WithEmbeddedVectors(IReadOnlyList<Point> points)
    {
        List<int>? missing = null;
        for (int i = 0; i < points.Count; i++)
        {
            if (points[i] is { Vector.Length: 0 })
            {
                (missing ??= []).Add(i);
            }
        }

        // Without an embedding, an empty vector is the dimension mismatch the usual checks report.
        if (missing is null || Options.Embedding is not { } embedding)
        {
            return points;
        }

        var texts = new string[missing.Count];
        for (int m = 0; m < missing.Count; m++)
        {
            Point point = points[missing[m]];
            texts[m] = point.Payload is not null && point.Payload.TryGetValue(embedding.SourceField, out PayloadValue text) && text.Kind == PayloadValueKind.String && text.AsString.Length > 0
                ? text.AsString
                : throw new InvalidPayloadException($"Point {point.Id}: no vector, and no text in payload '{embedding.SourceField}' to embed.");
        }

        float[][] vectors = Embed(texts);
        var result = points.ToArray();
        for (int m = 0; m < missing.Count; m++)
        {
            result[missing[m]] = result[missing[m]] with { Vector = vectors[m] };
        }

        return result;
    }

    /// <summary>The query vector of a search that carries text.</summary>
    private SearchRequest WithEmbeddedQuery(SearchRequest request)
    {
        if (request.Text is null || request.Vector is { Length: > 0 })
        {
            return request;
        }

        if (Options.Embedding is null)
        {
            ThrowHelper.ThrowArgument("text", $"Collection '{Name}' embeds no text: search it with a vector (or declare CollectionOptions.Embedding).");
        }

        if (request.Text.Length is 0 or > Filters.TextCondition.MaxTextLength)
        {
            ThrowHelper.ThrowArgument("text", $"Query text must have 1 to {Filters.TextCondition.MaxTextLength:N0} characters.");
        }

        return request with { Vector = Embed([request.Text])[0] };
    }

    private float[][] Embed(string[] texts)
    {
        TextEmbedding embedding = Options.Embedding!;
        if (!_dbOptions.EmbeddingGenerators.TryGetValue(embedding.Generator, out IEmbeddingGenerator<string, Embedding<float>>? generator))
        {
            throw new VectorEngineException(VectorEngineErrorKind.FailedPrecondition,
                $"Collection '{Name}' embeds with generator '{embedding.Generator}', which this database was not given (VectorDatabaseOptions.EmbeddingGenerators).");
        }

        // The generators this engine ships run synchronously under the hood (ONNX on a worker thread) and never capture
        // a synchronization context, so waiting here cannot deadlock.
        GeneratedEmbeddings<Embedding<float>> embedded = generator.GenerateAsync(texts).GetAwaiter().GetResult();
        if (embedded.Count != texts.Length)
        {
            throw new VectorEngineException(VectorEngineErrorKind.FailedPrecondition, $"Generator '{embedding.Generator}' returned {embedded.Count} vectors for {texts.Length} texts.");
        }

        return embedded.Select(e => e.Vector.ToArray()).ToArray();
    }
}
