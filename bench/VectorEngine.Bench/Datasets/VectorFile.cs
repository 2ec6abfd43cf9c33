using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace VectorEngine.Bench.Datasets;

/// <summary>Reads TEXMEX .fvecs / .ivecs files (optionally gzip-compressed): per row an int32 dimension, then the values.</summary>
internal static class VectorFile
{
    public static float[][] ReadFvecs(string path, int? limit = null) => Read<float>(path, limit);

    public static int[][] ReadIvecs(string path, int? limit = null) => Read<int>(path, limit);

    private static T[][] Read<T>(string path, int? limit)
        where T : unmanaged
    {
        using Stream raw = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new BufferedStream(new GZipStream(raw, CompressionMode.Decompress), 1 << 20)
            : new BufferedStream(raw, 1 << 20);
        var rows = new List<T[]>();
        Span<byte> header = stackalloc byte[4];
        while ((limit is null || rows.Count < limit) && stream.ReadAtLeast(header, 4, throwOnEndOfStream: false) == 4)
        {
            int dim = BinaryPrimitives.ReadInt32LittleEndian(header);
            if (dim <= 0 || dim > 1 << 20)
            {
                throw new InvalidDataException($"{path}: row {rows.Count} has dimension {dim}.");
            }

            var row = new T[dim];
            stream.ReadExactly(MemoryMarshal.AsBytes(row.AsSpan()));
            rows.Add(row);
        }

        return rows.ToArray();
    }
}
