namespace VectorEngine.Segments;

/// <summary>Where a live point is: segment id and the dense offset inside it.</summary>
internal readonly record struct PointLocation(int SegmentId, uint Offset);
