namespace VectorEngine.Storage;

/// <summary>Whole-file helpers over an <see cref="IFileSystem"/>, and crash-safe replacement.</summary>
internal static class DurableFile
{
    /// <summary>
    /// Replaces <paramref name="path"/> crash-safely: writes a temporary file, fsyncs it, renames it over the target,
    /// fsyncs the folder. After a crash the file holds either the old or the new content, never a mix.
    /// </summary>
    public static void WriteAllBytes(IFileSystem fs, string path, ReadOnlySpan<byte> content)
    {
        string temp = path + ".tmp";
        using (IStorageFile file = fs.OpenFile(temp, StorageFileMode.Create))
        {
            file.Write(content, 0);
            file.Sync();
        }

        fs.MoveFile(temp, path, overwrite: true);
        fs.SyncDirectory(Path.GetDirectoryName(path)!);
    }

    /// <summary>Reads a whole file.</summary>
    public static byte[] ReadAllBytes(IFileSystem fs, string path)
    {
        using IStorageFile file = fs.OpenFile(path, StorageFileMode.OpenRead);
        long length = file.Length;
        if (length > Array.MaxLength)
        {
            throw new IOException($"File '{Path.GetFileName(path)}' is {length} bytes, too large to read whole.");
        }

        byte[] data = new byte[length];
        int read = 0;
        while (read < data.Length)
        {
            int n = file.Read(data.AsSpan(read), read);
            if (n == 0)
            {
                throw new IOException($"File '{Path.GetFileName(path)}' ended at byte {read} of {length} while being read.");
            }

            read += n;
        }

        return data;
    }

    /// <summary>fsyncs a file that was written through another handle.</summary>
    public static void Sync(IFileSystem fs, string path)
    {
        using IStorageFile file = fs.OpenFile(path, StorageFileMode.OpenExisting);
        file.Sync();
    }
}
