using VectorEngine.Indexing;
using VectorEngine.Segments;
using VectorEngine.Storage;

namespace VectorEngine.Tiers;

/// <summary>
/// What a cold segment object holds in place of vectors, index and payloads: the ids (the id map needs them) and
/// parts that refuse to be read. Every path that reads a segment's content fetches a cold one first; one that forgot
/// fails loudly here instead of answering from nothing.
/// </summary>
internal sealed class ColdRows(int segmentId, IPointIdStore ids) : IPointIdStore, IPayloadStore
{
    public int Count => ids.Count;

    public PointId IdAt(uint offset) => ids.IdAt(offset);

    public Payload PayloadAt(uint offset) => throw ColdSegments.NotResident(segmentId);
}

/// <summary>The vectors of a cold segment: its shape, and no rows.</summary>
internal sealed unsafe class ColdVectorStore(int segmentId, int count, int dimension, DistanceMetric metric) : IVectorStore
{
    public int Count => count;

    public int Dimension => dimension;

    public int Stride => GrowableVectorStore.StrideFor(dimension);

    public float* Base => throw ColdSegments.NotResident(segmentId);

    public DistanceMetric Metric => metric;

    public ReadOnlySpan<float> GetVector(uint offset) => throw ColdSegments.NotResident(segmentId);
}

/// <summary>The index of a cold segment: nothing to search until it is fetched.</summary>
internal sealed class ColdIndex(int segmentId) : IVectorIndex
{
    public string Name => "cold";

    public long MemoryBytes => 0;

    public bool IsExact => true;

    public void Add(uint fromOffset) => throw ColdSegments.NotResident(segmentId);

    public void Search<TFilter>(ReadOnlySpan<float> query, SearchParams parameters, TFilter filter, TopKCollector results)
        where TFilter : struct, IOffsetFilter => throw ColdSegments.NotResident(segmentId);

    public void Save(StorageFolder folder) => throw ColdSegments.NotResident(segmentId);

    public void Dispose()
    {
    }
}

internal static class ColdSegments
{
    public static SegmentNotResidentException NotResident(int segmentId) => new(segmentId);
}

/// <summary>A read met a cold segment's contents: the collection fetches the segment and runs the read again.</summary>
internal sealed class SegmentNotResidentException(int segmentId)
    : InvalidOperationException($"Segment {segmentId} is cold: it must be fetched from the object store before it is read.")
{
    public int SegmentId { get; } = segmentId;
}
