using System.Runtime.CompilerServices;

namespace VectorEngine.Indexing;

/// <summary>
/// Decides which segment offsets a search may return. Passed as a struct generic so that the unfiltered case costs
/// nothing (qdrant's FilteredScorer; hnswlib's bare-bone search template).
/// </summary>
public interface IOffsetFilter
{
    /// <summary>True when the offset may be returned.</summary>
    /// <param name="offset">The segment offset.</param>
    bool Accept(uint offset);
}

/// <summary>Accepts every live point (rejects tombstoned offsets).</summary>
/// <param name="deleted">The segment's tombstones.</param>
public readonly struct LiveFilter(Bitset deleted) : IOffsetFilter
{
    /// <summary>True when nothing is tombstoned, so every offset is accepted and a search may skip the test.</summary>
    public bool AcceptsAll => deleted.IsEmpty;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Accept(uint offset) => !deleted.Get(offset);
}
