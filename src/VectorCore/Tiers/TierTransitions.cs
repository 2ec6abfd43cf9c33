using Microsoft.Extensions.Logging;
using VectorEngine.Diagnostics;
using VectorEngine.Indexing;
using VectorEngine.PayloadIndexes;
using VectorEngine.Segments;
using VectorEngine.Storage;

namespace VectorEngine.Tiers;

/// <summary>
/// Builds a sealed segment's object in another tier from its folder and its current object (whose ids and tombstones
/// the new one shares), and moves archives to and from the object store. Takes no lock: the collection serialises
/// moves and publishes what this returns.
/// </summary>
internal sealed class TierTransitions(IFileSystem fs, CollectionOptions options, IVectorIndexFactory indexFactory, ILogger logger, string collection)
{
    /// <summary>Files a cold segment keeps on local disk: what the id map and deletes need.</summary>
    public static readonly IReadOnlySet<string> KeptLocal = new HashSet<string>(StringComparer.Ordinal) { SegmentFiles.IdsFile, SegmentFiles.DeletedFile };

    /// <summary>The segment's index over <paramref name="store"/>: loaded from the folder, or built and saved when it is missing or damaged.</summary>
    public IVectorIndex LoadIndex(IVectorStore store, string folder, int segmentId)
    {
        var storage = new StorageFolder(fs, folder);
        IVectorIndex? index = indexFactory.Load(store, options.EffectiveIndex.Parameters, storage);
        if (index is not null)
        {
            return index;
        }

        index = indexFactory.Build(store, options.EffectiveIndex.Parameters);
        try
        {
            index.Save(storage);
        }
        catch (IOException e)
        {
            // A failed save costs only this rebuild again next time.
            Log.IndexSaveFailed(logger, collection, segmentId, e);
        }

        return index;
    }

    /// <summary>The hot form of a warm or cold segment whose files are all in <paramref name="folder"/>.</summary>
    public Segment LoadHot(Segment current, string folder)
    {
        MappedVectorStore store = MappedVectorStore.Open(fs, Path.Combine(folder, SegmentFiles.VectorsFile), options.Dimension, options.Metric);
        Segment? hot = null;
        try
        {
            if (store.Count != current.Count)
            {
                ThrowHelper.ThrowCorrupt($"Segment {current.Id} of '{collection}' holds {store.Count} vectors but {current.Count} ids.");
            }

            (List<PointId> ids, List<Payload> payloads) = SegmentFiles.ReadPointsFile(fs, folder, store.Count);
            if (current.Tier == SegmentTier.Cold)
            {
                // Payload indexes are built afresh (a cold segment keeps none); the tombstones stay the live bitset.
                hot = new Segment(current.Id, store, isSealed: true, ids, payloads, current.Deleted, options.IndexSchema,
                    TextIndexFile.TryRead(fs, folder, options.IndexSchema, store.Count))
                {
                    TombstonesDirty = current.TombstonesDirty,
                };
                hot.Index = LoadIndex(store, folder, current.Id);
                return hot;
            }

            return current.InTier(SegmentTier.Hot, store, LoadIndex(store, folder, current.Id), new InMemoryRows(ids, payloads));
        }
        catch
        {
            if (hot is null)
            {
                store.Dispose();
            }
            else
            {
                hot.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// The warm form of a hot segment: its vectors mapped again and released from memory, an index that traverses
    /// codes (trained and saved on first use), its payloads written to <paramref name="payloads"/>.
    /// </summary>
    public Segment MakeWarm(Segment hot, string folder, WarmPayloadStore payloads, string quantization)
    {
        MappedVectorStore store = MappedVectorStore.Open(fs, Path.Combine(folder, SegmentFiles.VectorsFile), options.Dimension, options.Metric);
        IVectorIndex? index = null;
        try
        {
            index = LoadCompressedIndex(store, folder, hot.Id, quantization);
            payloads.Write(hot);
            store.Advise(MappedAccess.Sparse);
            store.ReadRowsFromFile();
            return hot.InTier(SegmentTier.Warm, store, index, payloads.View(hot.Id, hot.Count));
        }
        catch
        {
            index?.Dispose();
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Packs the segment's files (less those kept local) into <paramref name="archivePath"/>, writes <c>ids.bin</c>,
    /// and uploads the archive under a new key. The caller records the returned object before deleting anything.
    /// </summary>
    public ColdObject Archive(Segment segment, string folder, string archivePath, IObjectStore store)
    {
        (long length, uint crc) = SegmentArchive.Pack(fs, folder, archivePath, KeptLocal);
        SegmentFiles.WriteIds(fs, folder, segment);
        string key = ObjectKeys.NewSegmentKey(collection, segment.Id);
        using (IStorageFile file = fs.OpenFile(archivePath, StorageFileMode.OpenRead))
        using (var stream = new StorageFileStream(file, writable: false))
        {
            store.PutAsync(key, stream).GetAwaiter().GetResult();
        }

        return new ColdObject(key, length, crc);
    }

    /// <summary>
    /// Downloads a cold segment's archive to <paramref name="archivePath"/> and checks its length and CRC32C; a copy that
    /// fails the check is fetched once more, and a second failure is reported, never served.
    /// </summary>
    public void Fetch(ColdObject archive, int segmentId, string archivePath, IObjectStore store)
    {
        for (int attempt = 1; ; attempt++)
        {
            bool damagedInTransit = false;
            using (IStorageFile file = fs.OpenFile(archivePath, StorageFileMode.Create))
            using (var stream = new StorageFileStream(file, writable: true))
            {
                try
                {
                    store.GetAsync(archive.Key, stream).GetAwaiter().GetResult();
                }
                catch (InvalidDataException)
                {
                    // The store's own check failed: as good as a CRC mismatch.
                    damagedInTransit = true;
                }

                file.Sync();
            }

            (long length, uint crc) = SegmentArchive.Checksum(fs, archivePath);
            if (!damagedInTransit && length == archive.Length && crc == archive.Crc)
            {
                return;
            }

            Log.ColdArchiveDamaged(logger, collection, segmentId, archive.Key, length, archive.Length, attempt);
            if (attempt == 2)
            {
                throw new DataCorruptionException(
                    $"The archive of segment {segmentId} of '{collection}' ('{archive.Key}' in {store.Description}) fails its check twice " +
                    $"({length} bytes, CRC32C {crc:x8}; expected {archive.Length} bytes, {archive.Crc:x8}). The segment stays cold; restore the object or drop the collection.");
            }
        }
    }

    /// <summary>Removes the files a cold segment no longer needs locally (a leftover of an interrupted move included).</summary>
    public void RemoveArchivedFiles(string folder)
    {
        foreach (string file in fs.ListFiles(folder))
        {
            if (!KeptLocal.Contains(Path.GetFileName(file)))
            {
                fs.DeleteFile(file);
            }
        }

        fs.SyncDirectory(folder);
    }

    private IVectorIndex LoadCompressedIndex(MappedVectorStore store, string folder, int segmentId, string quantization)
    {
        try
        {
            if (indexFactory.LoadCompressed(store, options.EffectiveIndex.Parameters, new StorageFolder(fs, folder), quantization) is { } compressed)
            {
                return compressed;
            }
        }
        catch (VectorEngineArgumentException e)
        {
            // No such quantizer registered (options.UseQuantization()): the warm index then reads floats from disk.
            Log.WarmCodesUnavailable(logger, collection, segmentId, quantization, e.Message);
        }

        return LoadIndex(store, folder, segmentId);
    }
}
