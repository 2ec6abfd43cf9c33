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

    /// <summary>Checks each sealed segment's vectors against their checksums, one segment at a time under the read lock.</summary>
    private void StartVerification()
    {
        _verification = Task.Run(() =>
        {
            List<int> ids;
            try
            {
                EnterRead();
            }
            catch (VectorEngineException)
            {
                return;
            }

            try
            {
                ids = _segments.Values.Where(s => s.IsSealed).Select(s => s.Id).ToList();
            }
            finally
            {
                _lock.ExitReadLock();
            }

            foreach (int id in ids)
            {
                if (!VerifySegment(id))
                {
                    return;
                }
            }
        });
    }

    /// <summary>Verifies one segment if it is still there; false when the collection closed.</summary>
    private unsafe bool VerifySegment(int id)
    {
        try
        {
            EnterRead();
        }
        catch (VectorEngineException)
        {
            return false;
        }

        try
        {
            // Holding the read lock, a segment still in the table cannot be merged away and unmapped.
            if (_segments.TryGetValue(id, out Segment? segment) && segment.Store is MappedVectorStore store &&
                VectorChecksums.Verify(_fs, SegmentDirectory(id), store.File, store.FileLength) is { } problem)
            {
                var corruption = new DataCorruptionException($"Collection '{Name}': {problem}. Restore it from a snapshot.");
                if (Interlocked.CompareExchange(ref _corruption, corruption, null) is null)
                {
                    Log.CorruptionFound(_logger, Name, problem);
                }
            }
        }
        catch (IOException e)
        {
            Log.CorruptionFound(_logger, Name, e.Message);
        }
        finally
        {
            _lock.ExitReadLock();
        }

        return true;
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
