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
        List<PointId> list = CheckedIds(ids);
        return list.Count == 0 ? 0 : LogAndApplyDelete(list);
    }

    /// <summary><see cref="Delete(IEnumerable{PointId})"/> awaiting the WAL's fsync and earlier writes instead of blocking on them.</summary>
    /// <param name="ids">The ids.</param>
    /// <param name="cancellationToken">Honoured until the delete is written to the WAL.</param>
    /// <returns>How many points were deleted.</returns>
    public async Task<int> DeleteAsync(IEnumerable<PointId> ids, CancellationToken cancellationToken = default)
    {
        List<PointId> list = CheckedIds(ids);
        cancellationToken.ThrowIfCancellationRequested();
        if (list.Count == 0)
        {
            return 0;
        }

        using var record = new ByteWriter();
        WalRecords.EncodeDelete(record, list);
        int deleted = await LogAndApplyAsync(record, () => ApplyDelete(list)).ConfigureAwait(false);
        EngineTelemetry.WalBytes.Add(record.Length, EngineTelemetry.Collection(Name));
        return deleted;
    }

    private static List<PointId> CheckedIds(IEnumerable<PointId> ids)
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

        return list;
    }

    /// <summary>Deletes every point that passes <paramref name="filter"/>, atomically.</summary>
    /// <param name="filter">The filter.</param>
    /// <returns>How many points were deleted.</returns>
    public int Delete(Filter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        filter.Validate();
        FetchAllCold();
        return WithResidentSegments(() => DeleteResident(filter));
    }

    private int DeleteResident(Filter filter)
    {
        // Holding the append gate with nothing in flight, the matching set is the state at this point of the log, and
        // no write slips in between reading it and logging the delete (the gate is re-entered by the log step).
        lock (_appendGate)
        {
            ThrowIfNotWritable();
            _sequencer.Drain();
            List<PointId> ids;
            EnterRead();
            try
            {
                ids = MatchingIds(filter);
            }
            finally
            {
                _lock.ExitReadLock();
            }

            return ids.Count == 0 ? 0 : LogAndApplyDelete(ids);
        }
    }

    /// <summary>Logs one delete record for the whole list, then applies it once durable.</summary>
    private int LogAndApplyDelete(List<PointId> ids)
    {
        using var record = new ByteWriter();
        WalRecords.EncodeDelete(record, ids);
        int deleted = LogAndApply(record, () => ApplyDelete(ids));
        EngineTelemetry.WalBytes.Add(record.Length, EngineTelemetry.Collection(Name));
        return deleted;
    }

    private int ApplyDelete(List<PointId> ids)
    {
        int deleted = 0;
        foreach (PointId id in ids)
        {
            if (_ids.Remove(id, out PointLocation location))
            {
                SegmentOf(location).Delete(location.Offset);
                deleted++;
            }
        }

        return deleted;
    }
}
