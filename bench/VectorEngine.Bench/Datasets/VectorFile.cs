using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace VectorEngine.Bench.Datasets;

/// <summary>
/// Reads vector files by extension, optionally gzip-compressed: TEXMEX .fvecs / .ivecs / .bvecs (per row an int32
/// dimension, then float32 / int32 / uint8 values) and NumPy .npy.
/// </summary>
internal static class VectorFile
{
    /// <summary>Rows of vectors (.fvecs, .bvecs, .npy), as floats.</summary>
    public static float[][] ReadVectors(string path, int? limit = null)
    {
        using Stream stream = Open(path);
        return Extension(path) switch
        {
            ".fvecs" => ReadVecs<float>(stream, path, limit),
            ".bvecs" => ReadVecs<byte>(stream, path, limit).Select(row => Array.ConvertAll(row, b => (float)b)).ToArray(),
            ".npy" => NpyFile.ReadFloats(stream, path, limit),
            string other => throw new InvalidDataException($"{path}: vectors must be .fvecs, .bvecs or .npy (optionally .gz), not '{other}'."),
        };
    }

    /// <summary>Rows of neighbour ids (.ivecs, .npy).</summary>
    public static int[][] ReadNeighbors(string path, int? limit = null)
    {
        using Stream stream = Open(path);
        return Extension(path) switch
        {
            ".ivecs" => ReadVecs<int>(stream, path, limit),
            ".npy" => NpyFile.ReadInts(stream, path, limit),
            string other => throw new InvalidDataException($"{path}: ground truth must be .ivecs or .npy (optionally .gz), not '{other}'."),
        };
    }

    private static string Extension(string path) =>
        Path.GetExtension(path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? path[..^3] : path).ToLowerInvariant();

    private static Stream Open(string path)
    {
        Stream raw = File.OpenRead(path);
        return path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new BufferedStream(new GZipStream(raw, CompressionMode.Decompress), 1 << 20)
            : new BufferedStream(raw, 1 << 20);
    }

    private static T[][] ReadVecs<T>(Stream stream, string path, int? limit)
        where T : unmanaged
    {
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
