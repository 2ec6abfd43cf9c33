using VectorEngine.Api.Cluster.V1;
using VectorEngine.Protocol.Mapping;

namespace VectorEngine.Sharding.Replication;

/// <summary>
/// Log entries to and from engine operations. Every op is deterministic on the state it meets (upserts replace whole
/// points, deletes name ids or a filter), so copies that apply one log in order hold the same points, and replaying a
/// suffix over a state that already has part of it (a restart, a snapshot taken while writes went on) converges.
/// </summary>
internal static class LogOps
{
    public static LogEntry Upsert(IReadOnlyList<Point> points)
    {
        var op = new UpsertOp();
        foreach (Point point in points)
        {
            op.Points.Add(point.ToWire());
        }

        return new LogEntry { Upsert = op };
    }

    public static LogEntry Delete(IReadOnlyList<PointId> ids)
    {
        var list = new Api.V1.PointsIdsList();
        foreach (PointId id in ids)
        {
            list.Ids.Add(id.ToWire());
        }

        return new LogEntry { DeleteIds = list };
    }

    public static LogEntry Delete(Filters.Filter filter) => new() { DeleteFilter = filter.ToWire() };

    public static LogEntry NoOp() => new() { Noop = new NoOp() };

    /// <summary>Applies one entry; returns the points written or deleted.</summary>
    public static long Apply(Collection collection, LogEntry entry) => entry.OpCase switch
    {
        LogEntry.OpOneofCase.Upsert => ApplyUpsert(collection, entry.Upsert),
        LogEntry.OpOneofCase.DeleteIds => collection.Delete(entry.DeleteIds.Ids.ToEngine("delete_ids")),
        LogEntry.OpOneofCase.DeleteFilter => collection.Delete(entry.DeleteFilter.ToEngine("delete_filter")!),
        _ => 0,
    };

    private static long ApplyUpsert(Collection collection, UpsertOp op)
    {
        var points = new Point[op.Points.Count];
        for (int i = 0; i < points.Length; i++)
        {
            points[i] = op.Points[i].ToEngine($"points[{i}]");
        }

        collection.Upsert(points);
        return points.Length;
    }
}
