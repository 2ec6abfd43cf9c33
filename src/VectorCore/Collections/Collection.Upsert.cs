using VectorEngine.Collections;
using VectorEngine.Diagnostics;
using VectorEngine.PayloadIndexes;
using VectorEngine.Segments;
using VectorEngine.Storage;
using VectorEngine.Storage.Wal;

namespace VectorEngine;

/// <summary>Upserts.</summary>
public sealed partial class Collection
{
    /// <summary>Inserts or replaces one point. Returns once the write is durable (per the WAL sync mode).</summary>
    /// <param name="point">The point.</param>
    public void Upsert(Point point)
    {
        ArgumentNullException.ThrowIfNull(point);
        Upsert([point]);
    }

    /// <summary>
    /// Inserts or replaces a batch atomically: every point is validated first, and either all are applied or (on any bad
    /// point) none. Within a batch, the last point with a given id wins. Returns once the batch is durable.
    /// </summary>
    /// <param name="points">The points.</param>
    /// <exception cref="DimensionMismatchException">A vector has the wrong length.</exception>
    /// <exception cref="InvalidVectorException">A vector holds NaN or infinity, or is zero under cosine.</exception>
    /// <exception cref="InvalidPayloadException">A payload value clashes with a declared payload index, or a point has neither a vector nor text to embed.</exception>
    /// <remarks>In a collection with <see cref="CollectionOptions.Embedding"/>, a point with an empty vector is embedded from its text first.</remarks>
    public void Upsert(IReadOnlyList<Point> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0)
        {
            return;
        }

        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        using System.Diagnostics.Activity? activity = StartUpsertActivity(points.Count);
        List<PreparedPoint> prepared = Prepare(WithEmbeddedVectors(points));
        using ByteWriter record = EncodeUpsert(prepared);
        LogAndApply(record, () =>
        {
            ApplyUpsert(prepared);
            return true;
        });
        RecordUpsert(start, prepared.Count, record.Length);
    }

    /// <summary>
    /// <see cref="Upsert(IReadOnlyList{Point})"/> without blocking: the embedding generator, the WAL's fsync (group
    /// commit) and earlier writes are awaited, not waited on. Completes once the batch is durable and visible.
    /// </summary>
    /// <param name="points">The points.</param>
    /// <param name="cancellationToken">Honoured until the batch is written to the WAL; from there it completes (recovery would replay it anyway).</param>
    public async Task UpsertAsync(IReadOnlyList<Point> points, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(points);
        cancellationToken.ThrowIfCancellationRequested();
        if (points.Count == 0)
        {
            return;
        }

        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        using System.Diagnostics.Activity? activity = StartUpsertActivity(points.Count);
        List<PreparedPoint> prepared = Prepare(await WithEmbeddedVectorsAsync(points, cancellationToken).ConfigureAwait(false));
        using ByteWriter record = EncodeUpsert(prepared);
        cancellationToken.ThrowIfCancellationRequested();
        await LogAndApplyAsync(record, () =>
        {
            ApplyUpsert(prepared);
            return true;
        }).ConfigureAwait(false);
        RecordUpsert(start, prepared.Count, record.Length);
    }

    private System.Diagnostics.Activity? StartUpsertActivity(int points)
    {
        System.Diagnostics.Activity? activity = EngineTelemetry.Source.StartActivity("vectorengine.upsert");
        activity?.SetTag("vectorengine.collection", Name);
        activity?.SetTag("vectorengine.points", points);
        return activity;
    }

    private ByteWriter EncodeUpsert(List<PreparedPoint> prepared)
    {
        var record = new ByteWriter(EstimateRecordBytes(prepared.Count));
        WalRecords.EncodeUpsert(record, prepared, Dimension);
        return record;
    }

    private void RecordUpsert(long start, int points, int walBytes)
    {
        EngineTelemetry.WalBytes.Add(walBytes, EngineTelemetry.Collection(Name));
        EngineTelemetry.UpsertedPoints.Add(points, EngineTelemetry.Collection(Name));
        EngineTelemetry.UpsertDuration.Record(EngineTelemetry.MillisecondsSince(start), EngineTelemetry.Collection(Name));
    }

    private int EstimateRecordBytes(int count) => 64 + (count * ((Dimension * sizeof(float)) + 64));

    private List<PreparedPoint> Prepare(IReadOnlyList<Point> points)
    {
        var prepared = new List<PreparedPoint>(points.Count);
        for (int i = 0; i < points.Count; i++)
        {
            Point point = points[i];
            PointChecks.Check(point, i, Options);
            float[] vector = PrepareVector(point.Vector, $"points[{i}].vector");
            Payload payload = point.Payload is null || point.Payload.Count == 0 ? Payload.Empty : point.Payload.Clone();
            prepared.Add(new PreparedPoint(point.Id, vector, payload));
        }

        return prepared;
    }

    /// <summary>Validates a stored or query vector; returns a copy (normalised under cosine), or the input when no copy is asked for.</summary>
    private float[] PrepareVector(float[]? vector, string field, bool copy = true)
    {
        PointChecks.CheckVector(vector, Dimension, Metric, field);
        if (!copy)
        {
            return vector!;
        }

        float[] result = (float[])vector!.Clone();
        if (Metric == DistanceMetric.Cosine)
        {
            VectorDistance.Normalize(result);
        }

        return result;
    }

    /// <summary>Applies validated points; cannot fail part-way (used by writes and by WAL replay).</summary>
    private void ApplyUpsert(List<PreparedPoint> points)
    {
        Segment mutable = _set!.Mutable;
        foreach (PreparedPoint p in points)
        {
            if (_ids.TryGet(p.Id, out PointLocation old))
            {
                SegmentOf(old).Delete(old.Offset);
            }

            uint offset = mutable.Append(p.Id, p.Vector, p.Payload);
            _ids.Set(p.Id, new PointLocation(mutable.Id, offset));
        }
    }
}
