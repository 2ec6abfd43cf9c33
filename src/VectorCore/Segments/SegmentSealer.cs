using Microsoft.Extensions.Logging;
using VectorEngine.Diagnostics;
using VectorEngine.Indexing;
using VectorEngine.PayloadIndexes;
using VectorEngine.Storage;

namespace VectorEngine.Segments;

/// <summary>
/// Writes sealed segments: a frozen mutable segment's rows, or the live rows of segments being merged, become a folder
/// of files (durable, with the folder's entry), their vectors are memory-mapped from the file just written, and the
/// vector index is built on them and saved. It takes no lock: its sources are immutable (frozen or sealed) and the
/// caller publishes the result.
/// </summary>
internal sealed class SegmentSealer(IFileSystem fs, string collection, CollectionOptions options, IVectorIndexFactory indexFactory, ILogger logger)
{
    /// <summary>The sealed form of <paramref name="frozen"/>, written into <paramref name="directory"/>; on failure the caller removes the folder.</summary>
    public Segment Seal(Segment frozen, string directory)
    {
        using System.Diagnostics.Activity? activity = EngineTelemetry.Source.StartActivity("vectorengine.seal");
        activity?.SetTag("vectorengine.collection", collection);
        activity?.SetTag("vectorengine.points", frozen.Count);
        EngineTelemetry.Seals.Add(1, EngineTelemetry.Collection(collection));
        var rows = new List<(Segment, uint)>(frozen.Count);
        for (uint i = 0; i < frozen.Count; i++)
        {
            rows.Add((frozen, i));
        }

        // Same rows, same offsets: the frozen segment's text indexes are saved as they are.
        Dictionary<string, TextFieldIndex> text = frozen.PayloadIndexes.Values.OfType<TextFieldIndex>().ToDictionary(t => t.Key, StringComparer.Ordinal);
        MappedVectorStore store = Write(directory, rows, frozen.Deleted, text);
        try
        {
            return frozen.ToSealed(store, BuildIndex(store, directory, frozen.Id));
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>A new segment <paramref name="id"/> holding <paramref name="rows"/> in order; on failure the caller removes the folder.</summary>
    public Segment Merge(string directory, int id, IReadOnlyList<(Segment Segment, uint Offset)> rows)
    {
        using System.Diagnostics.Activity? activity = EngineTelemetry.Source.StartActivity("vectorengine.merge");
        activity?.SetTag("vectorengine.collection", collection);
        activity?.SetTag("vectorengine.points", rows.Count);
        EngineTelemetry.Merges.Add(1, EngineTelemetry.Collection(collection));
        EngineTelemetry.MergedPoints.Add(rows.Count, EngineTelemetry.Collection(collection));
        // The sources' postings, renumbered: a merge never analyzes text again.
        Dictionary<string, TextFieldIndex>? text = TextIndexFile.Remap(rows, options.IndexSchema);
        MappedVectorStore store = Write(directory, rows, deleted: null, text);
        Segment? merged = null;
        try
        {
            // Ids and payloads are immutable values: the new segment shares them with its sources instead of re-reading
            // the file it just wrote.
            var ids = new List<PointId>(rows.Count);
            var payloads = new List<Payload>(rows.Count);
            foreach ((Segment segment, uint offset) in rows)
            {
                ids.Add(segment.IdAt(offset));
                payloads.Add(segment.PayloadAt(offset));
            }

            merged = new Segment(id, store, isSealed: true, ids, payloads, new Bitset(rows.Count), options.IndexSchema, text);
            merged.Index = BuildIndex(store, directory, id);
            return merged;
        }
        catch
        {
            if (merged is null)
            {
                store.Dispose();
            }
            else
            {
                merged.Dispose();
            }

            throw;
        }
    }

    private MappedVectorStore Write(string directory, IReadOnlyList<(Segment Segment, uint Offset)> rows, Bitset? deleted, IReadOnlyDictionary<string, TextFieldIndex>? text)
    {
        SegmentFiles.Write(fs, directory, options.Dimension, options.Metric, rows, deleted, text);
        fs.SyncDirectory(Path.GetDirectoryName(directory)!);
        return MappedVectorStore.Open(fs, Path.Combine(directory, SegmentFiles.VectorsFile), options.Dimension, options.Metric);
    }

    /// <summary>Builds the index on the mapped vectors and saves it; a failed save costs only a rebuild at the next open.</summary>
    private IVectorIndex BuildIndex(MappedVectorStore store, string directory, int id)
    {
        IVectorIndex index = indexFactory.Build(store, options.EffectiveIndex.Parameters);
        try
        {
            index.Save(new StorageFolder(fs, directory));
        }
        catch (Exception e) when (e is IOException or OverflowException or InvalidOperationException or UnauthorizedAccessException)
        {
            // Index files are checksummed and rebuilt when missing or damaged; the segment's own files are already durable.
            Log.IndexSaveFailed(logger, collection, id, e);
        }

        return index;
    }
}
