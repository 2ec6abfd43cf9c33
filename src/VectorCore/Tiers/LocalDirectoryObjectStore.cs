using System.Runtime.CompilerServices;

namespace VectorEngine.Tiers;

/// <summary>
/// An <see cref="IObjectStore"/> in a local folder (another disk, a network mount): each key a file below the root,
/// written to a temporary name, fsynced and renamed, so a reader never sees half an object.
/// </summary>
public sealed class LocalDirectoryObjectStore : IObjectStore
{
    private const string TempSuffix = ".partial";
    private readonly string _root;

    /// <summary>A store rooted at <paramref name="root"/> (created when missing).</summary>
    /// <param name="root">The folder.</param>
    public LocalDirectoryObjectStore(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root);
    }

    /// <inheritdoc />
    public string Description => $"folder '{_root}'";

    /// <inheritdoc />
    public async Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        string path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temp = path + "." + Guid.NewGuid().ToString("N") + TempSuffix;
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await content.CopyToAsync(file, 1 << 20, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task GetAsync(string key, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        string path = PathOf(key);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No object '{key}' in {Description}.", key);
        }

        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, useAsync: true);
        await file.CopyToAsync(destination, 1 << 20, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Answers synchronously, walking only the folder the prefix's whole names lead to. The engine lists a collection's
    /// objects on open inside a synchronous call; an answer that waited for a thread-pool thread there could wait
    /// seconds on a node whose pool threads are blocked (every shard call waiting on a shard being created).
    /// </remarks>
    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        int slash = prefix.LastIndexOf('/');
        string[] names = slash < 0 ? [] : prefix[..slash].Split('/');
        string folder = names.Any(name => name is "" or "." or "..") ? _root : Path.Combine([_root, .. names]);
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        // Completed at once: the iterator never suspends.
        await Task.CompletedTask.ConfigureAwait(false);
        foreach (string file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            string key = Path.GetRelativePath(_root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (!key.EndsWith(TempSuffix, StringComparison.Ordinal) && key.StartsWith(prefix, StringComparison.Ordinal))
            {
                yield return key;
            }
        }
    }

    private string PathOf(string key)
    {
        ObjectKeys.Validate(key);
        return Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar));
    }
}
