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
    private IReadOnlyList<Point> WithEmbeddedVectors(IReadOnlyList<Point> points) =>
        TextsToEmbed(points) is var (missing, texts) && missing.Count > 0 ? WithVectors(points, missing, Embed(texts)) : points;

    /// <summary><see cref="WithEmbeddedVectors"/> awaiting the generator instead of blocking on it.</summary>
    private async ValueTask<IReadOnlyList<Point>> WithEmbeddedVectorsAsync(IReadOnlyList<Point> points, CancellationToken cancellationToken) =>
        TextsToEmbed(points) is var (missing, texts) && missing.Count > 0
            ? WithVectors(points, missing, await EmbedAsync(texts, cancellationToken).ConfigureAwait(false))
            : points;

    // The points without a vector and the text of each; none when every point has a vector or nothing embeds here
    // (without an embedding, an empty vector is the dimension mismatch the usual checks report).
    private (List<int> Missing, string[] Texts) TextsToEmbed(IReadOnlyList<Point> points)
    {
        var missing = new List<int>();
        for (int i = 0; i < points.Count; i++)
        {
            if (points[i] is { Vector.Length: 0 })
            {
                missing.Add(i);
            }
        }

        if (missing.Count == 0 || Options.Embedding is not { } embedding)
        {
            return ([], []);
        }

        var texts = new string[missing.Count];
        for (int m = 0; m < missing.Count; m++)
        {
            Point point = points[missing[m]];
            texts[m] = point.Payload is not null && point.Payload.TryGetValue(embedding.SourceField, out PayloadValue text) && text.Kind == PayloadValueKind.String && text.AsString.Length > 0
                ? text.AsString
                : throw new InvalidPayloadException($"Point {point.Id}: no vector, and no text in payload '{embedding.SourceField}' to embed.");
        }

        return (missing, texts);
    }

    private static Point[] WithVectors(IReadOnlyList<Point> points, List<int> missing, float[][] vectors)
    {
        Point[] result = points.ToArray();
        for (int m = 0; m < missing.Count; m++)
        {
            result[missing[m]] = result[missing[m]] with { Vector = vectors[m] };
        }

        return result;
    }

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

    // The generators this engine ships run synchronously under the hood (ONNX on a worker thread) and never capture
    // a synchronization context, so the synchronous API waiting here cannot deadlock.
    private float[][] Embed(string[] texts) => EmbedAsync(texts, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    private async ValueTask<float[][]> EmbedAsync(string[] texts, CancellationToken cancellationToken)
    {
        TextEmbedding embedding = Options.Embedding!;
        if (!_dbOptions.EmbeddingGenerators.TryGetValue(embedding.Generator, out IEmbeddingGenerator<string, Embedding<float>>? generator))
        {
            throw new VectorEngineException(VectorEngineErrorKind.FailedPrecondition,
                $"Collection '{Name}' embeds with generator '{embedding.Generator}', which this database was not given (VectorDatabaseOptions.EmbeddingGenerators).");
        }

        GeneratedEmbeddings<Embedding<float>> embedded = await generator.GenerateAsync(texts, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (embedded.Count != texts.Length)
        {
            throw new VectorEngineException(VectorEngineErrorKind.FailedPrecondition, $"Generator '{embedding.Generator}' returned {embedded.Count} vectors for {texts.Length} texts.");
        }

        return embedded.Select(e => e.Vector.ToArray()).ToArray();
    }
}
