namespace VectorEngine.Indexing.Scoring;

/// <summary>
/// Scores stored rows against one prepared query. Graph and list indexes are generic over a struct scorer, so the
/// distance call inlines into the traversal and float vectors, int8 codes or PQ codes plug into the same search loop
/// (hnswlib's SpaceInterface, FAISS's DistanceComputer, without the virtual call).
/// </summary>
public interface IVectorScorer
{
    /// <summary>The internal distance (smaller is closer) from the query to row <paramref name="offset"/>.</summary>
    /// <param name="offset">A row of the store the scorer was made for.</param>
    float Distance(uint offset);

    /// <summary>Hints that row <paramref name="offset"/> will be scored soon, so its first cache lines can be fetched.</summary>
    /// <param name="offset">A row of the store the scorer was made for.</param>
    void Prefetch(uint offset);
}

/// <summary>
/// A float-vector scorer that can be made for any query pointer. Graph builds use it to score stored rows against each
/// other (the query is then a row of the same store, already aligned and padded).
/// </summary>
/// <typeparam name="TSelf">The scorer type.</typeparam>
public unsafe interface IFloatScorer<TSelf> : IVectorScorer
    where TSelf : struct, IFloatScorer<TSelf>
{
    /// <summary>Creates a scorer.</summary>
    /// <param name="query">The zero-padded query, <paramref name="stride"/> floats long.</param>
    /// <param name="rows">Row 0 of the store.</param>
    /// <param name="stride">Floats per row, a multiple of 16.</param>
    static abstract TSelf Create(float* query, float* rows, int stride);
}
