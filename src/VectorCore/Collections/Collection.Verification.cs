using VectorEngine.Diagnostics;
using VectorEngine.Segments;

namespace VectorEngine;

/// <summary>Bit-rot checks of the memory-mapped vector files, which carry no checksum in their own format.</summary>
public sealed partial class Collection
{
    private DataCorruptionException? _corruption;
    private Task? _verification;

    /// <summary>
    /// Set when the background check after an open found a vector file that fails its checksums (bit rot or tampering).
    /// The collection goes on serving, but the results may be wrong: restore it from a snapshot. Null while nothing was
    /// found (or the check has not finished; <see cref="WaitForVerification"/> waits for it).
    /// </summary>
    public DataCorruptionException? DetectedCorruption => Volatile.Read(ref _corruption);

    /// <summary>Waits for the background check of the vector files that started with the open.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>True when the check has finished.</returns>
    public bool WaitForVerification(TimeSpan timeout) => _verification?.Wait(timeout) ?? true;

    /// <summary>
    /// Checks each sealed segment's vectors against their checksums, in the background with no lock: the pinned set keeps
    /// every segment it holds mapped, even one merged away meanwhile.
    /// </summary>
    private void StartVerification()
    {
        _verification = Task.Run(() =>
        {
            SegmentSet set;
            try
            {
                set = PinSet();
            }
            catch (VectorEngineException)
            {
                return;
            }

            try
            {
                foreach (Segment segment in set.Persisted)
                {
                    if (_disposed)
                    {
                        return;
                    }

                    // A cold segment's files are in its archive, checked by its own checksum when fetched.
                    if (segment.Tier != SegmentTier.Cold)
                    {
                        VerifySegment(segment);
                    }
                }
            }
            finally
            {
                set.Unpin();
            }
        });
    }

    private unsafe void VerifySegment(Segment segment)
    {
        try
        {
            if (segment.Store is MappedVectorStore store &&
                VectorChecksums.Verify(_fs, SegmentDirectory(segment.Id), store.File, store.FileLength) is { } problem)
            {
                var corruption = new DataCorruptionException($"Collection '{Name}': {problem}. Restore it from a snapshot.");
                if (Interlocked.CompareExchange(ref _corruption, corruption, null) is null)
                {
                    Log.CorruptionFound(_logger, Name, problem);
                }
            }

            // The check read every page of the file: a warm segment gives them back (only rescoring reads its rows).
            if (segment.Tier == SegmentTier.Warm && segment.Store is MappedVectorStore warm)
            {
                warm.Advise(Storage.MappedAccess.Sparse);
            }
        }
        catch (IOException e)
        {
            Log.CorruptionFound(_logger, Name, e.Message);
        }
    }

    /// <summary>A restored segment is untrusted: its vectors must match their checksums and be finite.</summary>
    private unsafe void VerifyUntrusted(Segment segment, string directory)
    {
        if (segment.Store is not MappedVectorStore store)
        {
            return;
        }

        VectorChecksums.VerifyOrThrow(_fs, directory, store.File, store.FileLength);
        for (uint offset = 0; offset < store.Count; offset++)
        {
            ReadOnlySpan<float> vector = store.GetVector(offset);
            float norm = VectorDistance.Dot(vector, vector);
            if (!float.IsFinite(norm))
            {
                ThrowHelper.ThrowCorrupt($"Segment {segment.Id} row {offset} holds a vector that is not finite.");
            }
        }
    }
}
