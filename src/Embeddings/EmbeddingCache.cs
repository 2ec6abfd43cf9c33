using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Caching.Memory;

namespace VectorEngine.Embeddings;

/// <summary>
/// Vectors of texts already embedded, keyed by a 128-bit hash of the text, plus the texts being embedded right now so
/// that a second request for the same text waits for the first instead of running the model again.
/// </summary>
/// <remarks>
/// XxHash128 over the UTF-16 text: a collision needs ~2^64 distinct texts, far beyond any cache's life, and hashing
/// runs at memory speed so a hit costs next to nothing beside a model run.
/// </remarks>
internal sealed class EmbeddingCache : IDisposable
{
    private readonly MemoryCache? _stored;
    private readonly ConcurrentDictionary<UInt128, TaskCompletionSource<float[]>> _inFlight = new();

    public EmbeddingCache(int capacity)
    {
        if (capacity > 0)
        {
            _stored = new MemoryCache(new MemoryCacheOptions { SizeLimit = capacity, CompactionPercentage = 0.1 });
        }
    }

    public static UInt128 KeyOf(string text) => XxHash128.HashToUInt128(MemoryMarshal.AsBytes(text.AsSpan()));

    public bool TryGet(UInt128 key, out float[] vector)
    {
        if (_stored is not null && _stored.TryGetValue(key, out float[]? found) && found is not null)
        {
            vector = found;
            return true;
        }

        vector = [];
        return false;
    }

    /// <summary>
    /// Claims <paramref name="key"/> for this caller to embed (true, with the promise to fulfil) or returns the task of
    /// whoever already embeds it (false).
    /// </summary>
    public bool TryClaim(UInt128 key, out TaskCompletionSource<float[]> promise)
    {
        var mine = new TaskCompletionSource<float[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        promise = _inFlight.GetOrAdd(key, mine);
        return ReferenceEquals(promise, mine);
    }

    public void Fulfil(UInt128 key, TaskCompletionSource<float[]> promise, float[] vector)
    {
        _stored?.Set(key, vector, new MemoryCacheEntryOptions { Size = 1 });
        _inFlight.TryRemove(new KeyValuePair<UInt128, TaskCompletionSource<float[]>>(key, promise));
        promise.TrySetResult(vector);
    }

    /// <summary>Gives up a claim: waiters see <paramref name="error"/> (or a cancellation when null) and may claim again.</summary>
    public void Abandon(UInt128 key, TaskCompletionSource<float[]> promise, Exception? error)
    {
        _inFlight.TryRemove(new KeyValuePair<UInt128, TaskCompletionSource<float[]>>(key, promise));
        if (error is null)
        {
            promise.TrySetCanceled();
        }
        else
        {
            promise.TrySetException(error);
        }
    }

    public void Dispose() => _stored?.Dispose();
}
