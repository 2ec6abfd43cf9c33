namespace VectorEngine;

/// <summary>A collection's shape and size at one moment.</summary>
/// <param name="Name">The collection name.</param>
/// <param name="Dimension">Floats per vector.</param>
/// <param name="Metric">The metric.</param>
/// <param name="IndexName">The index type of sealed segments.</param>
/// <param name="PointCount">Live points.</param>
/// <param name="SegmentCount">Segments, including the mutable one.</param>
/// <param name="SealedSegmentCount">Sealed segments.</param>
/// <param name="DeletedPointCount">Tombstoned rows not yet merged away.</param>
/// <param name="IndexMemoryBytes">Bytes held by vector index structures (graphs, lists), not counting vector data.</param>
/// <param name="WalBytes">Bytes in the current WAL file.</param>
/// <param name="SearchedVectorBytes">
/// Bytes of vector data that searches traverse, and so must stay in memory to be fast: each segment's float rows, or
/// the compressed codes its index searches instead (the float rows are then read only to rescore a few
/// candidates).
/// </param>
public sealed record CollectionInfo(
    string Name,
    int Dimension,
    DistanceMetric Metric,
    string IndexName,
    long PointCount,
    int SegmentCount,
    int SealedSegmentCount,
    long DeletedPointCount,
    long IndexMemoryBytes,
    long WalBytes,
    long SearchedVectorBytes);
