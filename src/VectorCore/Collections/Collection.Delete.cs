using VectorEngine.Collections;
using VectorEngine.Diagnostics;
using VectorEngine.Filters;
using VectorEngine.Segments;
using VectorEngine.Storage;
using VectorEngine.Storage.Wal;

namespace VectorEngine;

/// <summary>Deletes.</summary>
public sealed partial class Collection
{
    /// <summary>Deletes points by id; ids that do not exist are ignored. Atomic and durable like an upsert.</summary>
    /// <param name="ids">The ids.</param>
    /// <returns>How many points were deleted.</returns>
    public int Delete(IEnumerable<PointId> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var list = new List<PointId>();
        foreach (PointId id in ids)
        {
            if (id.IsDefault)
            {
                ThrowHelper.ThrowArgument("ids", "A point id is empty (default).");
            }

            list.Add(id);
        }

        if (list.Count == 0)
        {
            return 0;
        }

        WalWriter wal;
        long position;
        int deleted;
        EnterWrite();
        try
        {
            deleted = LogAndApplyDelete(list, out wal, out position);
        }
        finally
        {
            _lock.ExitWriteLock();
        }

        Commit(wal, position);
        return deleted;
    }

    /// <summary>Deletes every point that passes <paramref name="filter"/>, atomically.</summary>
    /// <param name="filter">The filter.</param>
    /// <returns>How many points were deleted.</returns>
    public int Delete(Filter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        filter.Validate();
        WalWriter wal;
        long position;
        int deleted;
        EnterWrite();
        try
        {
            List<PointId> ids = MatchingIds(filter);
            if (ids.Count == 0)
            {
                return 0;
            }

            deleted = LogAndApplyDelete(ids, out wal, out position);
        }
        finally
        {
            _lock.ExitWriteLock();
        }

        Commit(wal, position);
        return deleted;
    }

    /// <summary>Under the write lock: logs one delete record for the whole list, then applies it.</summary>
    private int LogAndApplyDelete(List<PointId> ids, out WalWriter wal, out long position)
    {
        using var record = new ByteWriter();
        WalRecords.EncodeDelete(record, ids);
        wal = _wal;
        position = wal.Append(record);
        return ApplyDelete(ids);
    }

    private int ApplyDelete(List<PointId> ids)
    {
        int deleted = 0;
        foreach (PointId id in ids)
        {
            if (_idMap.Remove(id, out PointLocation location))
            {
                SegmentOf(location).Delete(location.Offset);
                deleted++;
            }
        }

        return deleted;
    }
}
