using VectorEngine.Storage;

namespace VectorEngine.FaultInjection;

/// <summary>The durable-state model: folders and files as they are now and as of their last fsync, and the rewrite after a power loss.</summary>
public sealed partial class FaultInjectingFileSystem
{
    private void Move(string source, string destination)
    {
        if (Locate(source) is not { } from || !from.Folder.Current.Remove(from.Name, out object? node))
        {
            return;
        }

        if (Locate(destination) is { } to)
        {
            to.Folder.Current[to.Name] = node;
        }
    }

    private string[]? Relative(string path)
    {
        string full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        if (full == _root)
        {
            return [];
        }

        return full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? full[(_root.Length + 1)..].Split(Path.DirectorySeparatorChar)
            : null;
    }

    private Folder? Walk(IEnumerable<string> parts)
    {
        Folder folder = _rootFolder;
        foreach (string part in parts)
        {
            if (!folder.Current.TryGetValue(part, out object? child) || child is not Folder sub)
            {
                return null;
            }

            folder = sub;
        }

        return folder;
    }

    private (Folder Folder, string Name)? Locate(string path)
    {
        string[]? parts = Relative(path);
        if (parts is null || parts.Length == 0)
        {
            return null;
        }

        Folder? parent = Walk(parts[..^1]);
        return parent is null ? null : (parent, parts[^1]);
    }

    private static void Scan(Folder folder, string path)
    {
        foreach (string file in Directory.GetFiles(path))
        {
            folder.Current[Path.GetFileName(file)] = new FileData(File.ReadAllBytes(file));
        }

        foreach (string sub in Directory.GetDirectories(path))
        {
            var child = new Folder();
            Scan(child, sub);
            folder.Current[Path.GetFileName(sub)] = child;
        }

        folder.Durable = new Dictionary<string, object>(folder.Current, StringComparer.Ordinal);
    }

    private static void CollectLive(Folder folder, string path, Dictionary<FileData, byte[]> live)
    {
        foreach ((string name, object node) in folder.Current)
        {
            string full = Path.Combine(path, name);
            if (node is FileData data && File.Exists(full))
            {
                live.TryAdd(data, File.ReadAllBytes(full));
            }
            else if (node is Folder sub && Directory.Exists(full))
            {
                CollectLive(sub, full, live);
            }
        }
    }

    private void WriteDurable(Folder folder, string path, Dictionary<FileData, byte[]> live)
    {
        foreach ((string name, object node) in folder.Durable)
        {
            string full = Path.Combine(path, name);
            if (node is Folder sub)
            {
                Directory.CreateDirectory(full);
                WriteDurable(sub, full, live);
                continue;
            }

            var data = (FileData)node;
            byte[] content = data.DurableBytes();
            if (!data.SyncFailed && data.AppendedSinceSync && live.TryGetValue(data, out byte[]? now) && now.Length > content.Length &&
                now.AsSpan(0, content.Length).SequenceEqual(content))
            {
                // A torn write: some of what was appended after the last fsync reached the disk.
                int kept = _random.Next(now.Length - content.Length + 1);
                content = now.AsSpan(0, content.Length + kept).ToArray();
            }

            File.WriteAllBytes(full, content);
        }
    }

    /// <summary>A folder: its entries now, and as of its last successful fsync (files are <see cref="FileData"/>, folders <see cref="Folder"/>).</summary>
    private sealed class Folder
    {
        public Dictionary<string, object> Current { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, object> Durable { get; set; } = new(StringComparer.Ordinal);
    }

    /// <summary>
    /// One file (an inode): its bytes as of the last successful fsync, and the ranges written since. A failed fsync
    /// forgets those ranges (the kernel marked the pages clean): a later fsync does not make them durable.
    /// </summary>
    private sealed class FileData
    {
        private readonly List<(long Offset, long Length)> _dirty = [];
        private byte[] _durable;

        public FileData(byte[]? durable = null)
        {
            _durable = durable ?? [];
        }

        /// <summary>A write since the last fsync reached past the durable length.</summary>
        public bool AppendedSinceSync { get; private set; }

        /// <summary>An fsync failed: its bytes are lost for good and never come back as a torn tail.</summary>
        public bool SyncFailed { get; private set; }

        public byte[] DurableBytes() => _durable;

        public void Touch(long offset, long length)
        {
            if (length > 0)
            {
                _dirty.Add((offset, length));
            }

            if (offset + length > _durable.Length)
            {
                AppendedSinceSync = true;
            }
        }

        /// <summary>A successful fsync: the file's length and every range written since the last one become durable.</summary>
        public void Synced(IStorageFile file)
        {
            long length = file.Length;
            byte[] image = new byte[length];
            _durable.AsSpan(0, (int)Math.Min(_durable.Length, length)).CopyTo(image);
            foreach ((long offset, long count) in _dirty)
            {
                long end = Math.Min(offset + count, length);
                for (long at = offset; at < end;)
                {
                    int n = file.Read(image.AsSpan((int)at, (int)(end - at)), at);
                    if (n == 0)
                    {
                        break;
                    }

                    at += n;
                }
            }

            _durable = image;
            _dirty.Clear();
            AppendedSinceSync = false;
        }

        public void SyncLost()
        {
            _dirty.Clear();
            AppendedSinceSync = false;
            SyncFailed = true;
        }
    }
}
