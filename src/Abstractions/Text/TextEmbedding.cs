namespace VectorEngine;

/// <summary>
/// A collection that embeds its own text: which payload field holds the text, and which generator (by its name in
/// <c>VectorDatabaseOptions.EmbeddingGenerators</c>) turns it into the collection's vectors.
/// </summary>
/// <param name="SourceField">The payload key whose string is embedded when a point comes without a vector.</param>
/// <param name="Generator">The generator's name; its vectors must have the collection's dimension.</param>
public sealed record TextEmbedding(string SourceField, string Generator);
