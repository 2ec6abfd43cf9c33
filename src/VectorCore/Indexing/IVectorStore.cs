namespace VectorEngine.Indexing;

/// <summary>
/// A segment's vectors, addressed by dense uint32 offsets: row <c>i</c> starts at <see cref="Base"/> + i * <see cref="Stride"/>.
/// Rows are 64-byte aligned. Indexes read vectors through this and never copy them.
/// </summary>
public unsafe interface IVectorStore
{
    /// <summary>Number of rows (including tombstoned ones).</summary>
    int Count { get; }

    /// <summary>Floats per vector.</summary>
    int Dimension { get; }

    /// <summary>Floats from one row's start to the next (the dimension rounded up to 16).</summary>
    int Stride { get; }

    /// <summary>Address of row 0; valid while the segment is open.</summary>
    float* Base { get; }

    /// <summary>The metric the vectors are stored for (cosine vectors are normalised).</summary>
    DistanceMetric Metric { get; }

    /// <summary>One row.</summary>
    /// <param name="offset">The row.</param>
    ReadOnlySpan<float> GetVector(uint offset);
}
