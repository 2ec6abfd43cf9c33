namespace VectorEngine.Tiers;

/// <summary>
/// Where cold segments live: a flat namespace of immutable objects (S3, a local folder, any blob store). Keys are
/// '/'-separated paths of letters, digits, '-', '_' and '.'; the engine never overwrites a key, so a store need not
/// be read-after-overwrite consistent, only read-after-create.
/// </summary>
public interface IObjectStore
{
    /// <summary>A name for logs and errors (a bucket and prefix, a folder).</summary>
    string Description { get; }

    /// <summary>Stores <paramref name="content"/> (read to its end) under <paramref name="key"/>, whole or not at all.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="content">The bytes; the stream is read from its current position and not disposed.</param>
    /// <param name="cancellationToken">Stops the upload; nothing is then stored under the key.</param>
    Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default);

    /// <summary>Copies the object under <paramref name="key"/> into <paramref name="destination"/>.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="destination">Receives the bytes; not disposed.</param>
    /// <param name="cancellationToken">Stops the download.</param>
    /// <exception cref="FileNotFoundException">No object has that key.</exception>
    /// <exception cref="InvalidDataException">The store itself found the copy damaged (an ETag or checksum mismatch).</exception>
    Task GetAsync(string key, Stream destination, CancellationToken cancellationToken = default);

    /// <summary>Removes the object under <paramref name="key"/>; nothing happens when there is none.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Keys that start with <paramref name="prefix"/>, in no particular order.</summary>
    /// <param name="prefix">The start of the keys wanted ("" for all).</param>
    /// <param name="cancellationToken">Stops the listing.</param>
    IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken = default);
}
