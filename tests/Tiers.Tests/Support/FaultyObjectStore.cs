namespace VectorEngine.Tiers.Tests.Support;

/// <summary>
/// A real object store with faults put in its way: downloads that arrive with a flipped byte, downloads that take a
/// while, uploads that fail. Everything else goes to the store underneath.
/// </summary>
internal sealed class FaultyObjectStore(IObjectStore inner) : IObjectStore
{
    /// <summary>Downloads still to corrupt (one byte flipped in the middle).</summary>
    public int CorruptGets { get; set; }

    /// <summary>How long each download waits before it starts.</summary>
    public TimeSpan GetDelay { get; set; }

    /// <summary>Uploads still to fail (after writing nothing).</summary>
    public int FailPuts { get; set; }

    public int Gets { get; private set; }

    public string Description => "faulty " + inner.Description;

    public Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        if (FailPuts > 0)
        {
            FailPuts--;
            throw new IOException("injected: upload failed");
        }

        return inner.PutAsync(key, content, cancellationToken);
    }

    public async Task GetAsync(string key, Stream destination, CancellationToken cancellationToken = default)
    {
        Gets++;
        if (GetDelay > TimeSpan.Zero)
        {
            await Task.Delay(GetDelay, cancellationToken);
        }

        if (CorruptGets <= 0)
        {
            await inner.GetAsync(key, destination, cancellationToken);
            return;
        }

        CorruptGets--;
        using var copy = new MemoryStream();
        await inner.GetAsync(key, copy, cancellationToken);
        byte[] bytes = copy.ToArray();
        bytes[bytes.Length / 2] ^= 0x40;
        await destination.WriteAsync(bytes, cancellationToken);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    public IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);
}
