using System.Text;
using VectorEngine.Storage;

namespace VectorEngine.Quantization.Persistence;

/// <summary>
/// The quantization package's files (PQ and binary codes, IVF lists): a body written with a <see cref="BinaryWriter"/>
/// and a CRC32C of it in the last 4 bytes, written durably. A file that is missing, fails its checksum, ends early or
/// has bytes left over reads as absent, so the caller trains or builds again.
/// </summary>
internal static class ChecksummedFile
{
    /// <summary>Writes the body <paramref name="write"/> produces, then its checksum.</summary>
    public static void Write(StorageFolder folder, string name, Action<BinaryWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            write(writer);
        }

        int length = (int)buffer.Length;
        buffer.Write(BitConverter.GetBytes(Crc32C.Compute(buffer.GetBuffer().AsSpan(0, length))));
        folder.WriteDurably(name, buffer.GetBuffer().AsSpan(0, length + 4));
    }

    /// <summary>
    /// Reads the body with <paramref name="read"/> (which returns null for content it rejects); null when the file is
    /// absent, damaged, short, or longer than what <paramref name="read"/> consumed.
    /// </summary>
    public static T? Read<T>(StorageFolder folder, string name, Func<BinaryReader, T?> read)
        where T : class
    {
        byte[]? file = folder.TryRead(name);
        if (file is null || file.Length < 4 || Crc32C.Compute(file.AsSpan(0, file.Length - 4)) != BitConverter.ToUInt32(file, file.Length - 4))
        {
            return null;
        }

        using var reader = new BinaryReader(new MemoryStream(file, 0, file.Length - 4), Encoding.UTF8);
        try
        {
            T? result = read(reader);
            return reader.BaseStream.Position == reader.BaseStream.Length ? result : null;
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or ArgumentException)
        {
            return null;
        }
    }
}
