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
/// <param name="IndexMemoryBytes">Bytes held by vector indexes.</param>
/// <param name="WalBytes">Bytes in the current WAL file.</param>
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
    long WalBytes);
