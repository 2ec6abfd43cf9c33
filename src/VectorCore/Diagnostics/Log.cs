using Microsoft.Extensions.Logging;

namespace VectorEngine.Diagnostics;

/// <summary>The engine's log events, source-generated so that disabled levels cost nothing.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning,
        Message = "WAL {File}: record at byte {Offset} is torn or corrupt ({Reason}); truncating {Dropped} bytes")]
    public static partial void WalTailTruncated(ILogger logger, string file, long offset, string reason, long dropped);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information,
        Message = "Collection {Collection}: recovered {Segments} segments and replayed {Records} WAL records in {Elapsed} ms")]
    public static partial void Recovered(ILogger logger, string collection, int segments, int records, long elapsed);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information,
        Message = "Collection {Collection}: sealed segment {Segment} with {Points} points")]
    public static partial void SegmentSealed(ILogger logger, string collection, int segment, int points);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information,
        Message = "Collection {Collection}: merged segments {Sources} into {Segment} ({Points} live points)")]
    public static partial void SegmentsMerged(ILogger logger, string collection, string sources, int segment, int points);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error,
        Message = "Collection {Collection}: background optimizer failed")]
    public static partial void OptimizerFailed(ILogger logger, string collection, Exception exception);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning,
        Message = "Collection {Collection}: removing leftover file {File} from an interrupted operation")]
    public static partial void LeftoverRemoved(ILogger logger, string collection, string file);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Critical,
        Message = "Collection {Collection}: storage failed; the collection refuses writes until the database is reopened and recovers it from its WAL")]
    public static partial void StorageFailed(ILogger logger, string collection, Exception exception);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Error,
        Message = "Collection {Collection}: sealing the mutable segment failed; nothing changed, it is retried later")]
    public static partial void SealFailed(ILogger logger, string collection, Exception exception);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Error,
        Message = "Collection in {Directory} could not be opened and is skipped: {Reason}")]
    public static partial void CollectionSkipped(ILogger logger, string directory, string reason);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning,
        Message = "Collection {Collection}: WAL {File} damaged at byte {Offset} ({Reason}); the loss was accepted, the damaged file is kept as {Copy}")]
    public static partial void WalDamageAccepted(ILogger logger, string collection, string file, long offset, string reason, string copy);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning,
        Message = "Collection {Collection}: could not remove {File} after a checkpoint; it is removed at the next open")]
    public static partial void CleanupFailed(ILogger logger, string collection, string file, Exception exception);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Critical,
        Message = "Collection {Collection}: {Problem}; it keeps serving, but restore it from a snapshot")]
    public static partial void CorruptionFound(ILogger logger, string collection, string problem);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Warning,
        Message = "Collection {Collection}: saving the index of segment {Segment} failed; it is rebuilt at the next open")]
    public static partial void IndexSaveFailed(ILogger logger, string collection, int segment, Exception exception);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information,
        Message = "Collection {Collection}: segment {Segment} moved {From} -> {To} ({Reason}) in {Milliseconds} ms")]
    public static partial void SegmentMoved(ILogger logger, string collection, int segment, SegmentTier from, SegmentTier to, string reason, long milliseconds);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning,
        Message = "Collection {Collection}: moving segment {Segment} to {To} failed; it stays {From}")]
    public static partial void SegmentMoveFailed(ILogger logger, string collection, int segment, SegmentTier from, SegmentTier to, Exception exception);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning,
        Message = "Collection {Collection}: the archive of segment {Segment} ('{Key}') arrived with {Length} bytes or a bad checksum (expected {Expected} bytes), attempt {Attempt}")]
    public static partial void ColdArchiveDamaged(ILogger logger, string collection, int segment, string key, long length, long expected, int attempt);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning,
        Message = "Collection {Collection}: segment {Segment} turns warm without {Quantization} codes (its index reads float vectors from disk): {Why}")]
    public static partial void WarmCodesUnavailable(ILogger logger, string collection, int segment, string quantization, string why);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Information,
        Message = "Collection {Collection}: removed object '{Key}', which no segment refers to (left by an interrupted move or a merge)")]
    public static partial void OrphanObjectRemoved(ILogger logger, string collection, string key);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning,
        Message = "Collection {Collection}: could not clean up its objects in the object store; retried at the next open")]
    public static partial void OrphanCleanupFailed(ILogger logger, string collection, Exception exception);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning, Message = "The tier mover failed a pass; it tries again at the next")]
    public static partial void TierMoverFailed(ILogger logger, Exception exception);
}
