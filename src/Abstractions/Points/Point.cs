namespace VectorEngine;

/// <summary>A point to upsert: id, vector and optional payload.</summary>
/// <param name="Id">The external id.</param>
/// <param name="Vector">The float32 vector; its length must equal the collection's dimension.</param>
/// <param name="Payload">The payload, or null for none.</param>
public sealed record Point(PointId Id, float[] Vector, Payload? Payload = null);

/// <summary>A stored point as returned by get and scroll.</summary>
/// <param name="Id">The external id.</param>
/// <param name="Payload">The payload when asked for, else null.</param>
/// <param name="Vector">The vector when asked for (normalised under cosine), else null.</param>
public sealed record PointRecord(PointId Id, Payload? Payload, float[]? Vector);

/// <summary>A search hit.</summary>
/// <param name="Id">The external id.</param>
/// <param name="Score">Squared L2 distance (smaller is closer) or dot / cosine similarity (larger is closer).</param>
/// <param name="Payload">The payload when asked for, else null.</param>
/// <param name="Vector">The vector when asked for, else null.</param>
public sealed record ScoredPoint(PointId Id, float Score, Payload? Payload, float[]? Vector);
