namespace VectorEngine;

/// <summary>Where a sealed segment's data lives, and so what it costs in memory and what a search of it costs in time.</summary>
public enum SegmentTier
{
    /// <summary>Graph, float vectors and payloads resident: the fastest searches, the most memory.</summary>
    Hot = 0,

    /// <summary>
    /// Graph and compressed codes resident; float vectors read from disk only to rescore a few candidates, payloads
    /// read from a key-value store with a bounded memory region.
    /// </summary>
    Warm = 1,

    /// <summary>Only ids and tombstones local; the segment's files archived in an object store, fetched back on access.</summary>
    Cold = 2,
}
