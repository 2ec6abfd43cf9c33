using System.Runtime.CompilerServices;
using VectorEngine.Indexing;
using VectorEngine.PayloadIndexes;

namespace VectorEngine;

/// <summary>The engine's side of <see cref="CollectionOptions"/>: checks that need its index types and payload rules, and the payload index schema it builds.</summary>
public static class CollectionOptionsChecks
{
    private static readonly ConditionalWeakTable<CollectionOptions, PayloadIndexSchema> Schemas = [];

    /// <summary>
    /// Checks the options as <see cref="VectorDatabase.CreateCollection"/> would, without creating anything (a cluster
    /// checks them once before storing a definition every node creates its shards from).
    /// </summary>
    /// <param name="options">The options.</param>
    /// <param name="registry">The index types known (<see cref="VectorDatabaseOptions.Indexes"/>).</param>
    /// <exception cref="VectorEngineArgumentException">A dimension, index or parameter the engine refuses.</exception>
    public static void Validate(this CollectionOptions options, IndexRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registry);
        options.ValidateShape();
        registry.Get(options.EffectiveIndex.Name).Validate(options.EffectiveIndex.Parameters, options.Dimension);
    }

    /// <summary>
    /// Checks points as <see cref="Collection.Upsert(IReadOnlyList{Point})"/> into a collection with these options would,
    /// without writing anything: ids, vector length, finite values, norm, zero vectors under cosine, and payload values
    /// against the payload indexes.
    /// </summary>
    /// <param name="options">The collection's options.</param>
    /// <param name="points">The batch.</param>
    /// <exception cref="VectorEngineArgumentException">The first bad point's error, naming it.</exception>
    public static void ValidatePoints(this CollectionOptions options, IReadOnlyList<Point> points)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(points);
        for (int i = 0; i < points.Count; i++)
        {
            PointChecks.Check(points[i], i, options);
        }
    }

    extension(CollectionOptions options)
    {
        /// <summary>The payload index schema of these options, built once per options object (its analyzers count the texts they analyze).</summary>
        internal PayloadIndexSchema IndexSchema => Schemas.GetValue(options, static o => new PayloadIndexSchema(o.PayloadIndexes, o.TextAnalyzers));
    }
}
