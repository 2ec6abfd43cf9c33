using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace VectorEngine.Bench.Datasets;

/// <summary>
/// Reads a 2-D NumPy .npy array (format versions 1-3, C order, little-endian or single-byte elements): float32/64,
/// float16, uint8, int8, int32 and int64, as rows of floats (vectors) or ints (neighbour ids).
/// </summary>
internal static partial class NpyFile
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static float[][] ReadFloats(Stream stream, string path, int? limit) =>
        Read(stream, path, limit, (bytes, descr, row) =>
        {
            var values = new float[row];
            for (int i = 0; i < row; i++)
            {
                values[i] = (float)Element(bytes, descr, i);
            }

            return values;
        });

    public static int[][] ReadInts(Stream stream, string path, int? limit) =>
        Read(stream, path, limit, (bytes, descr, row) =>
        {
            var values = new int[row];
            for (int i = 0; i < row; i++)
            {
                values[i] = checked((int)Element(bytes, descr, i));
            }

            return values;
        });

    private static T[][] Read<T>(Stream stream, string path, int? limit, Func<byte[], string, int, T[]> convert)
    {
        Span<byte> preamble = stackalloc byte[8];
        stream.ReadExactly(preamble);
        if (!preamble[..6].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{path}: not a .npy file (no \\x93NUMPY magic).");
        }

        int headerLength;
        if (preamble[6] == 1)
        {
            Span<byte> length = stackalloc byte[2];
            stream.ReadExactly(length);
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(length);
        }
        else
        {
            Span<byte> length = stackalloc byte[4];
            stream.ReadExactly(length);
            headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(length));
        }

        var header = new byte[headerLength];
        stream.ReadExactly(header);
        string text = Encoding.Latin1.GetString(header);
        string descr = Field(DescrPattern(), text, path, "descr");
        if (Field(FortranPattern(), text, path, "fortran_order") == "True")
        {
            throw new InvalidDataException($"{path}: Fortran-order arrays are not supported; save with np.ascontiguousarray.");
        }

        long[] shape = Field(ShapePattern(), text, path, "shape").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        if (shape.Length != 2)
        {
            throw new InvalidDataException($"{path}: expected a 2-D array (rows × dimension), got shape ({string.Join(", ", shape)}).");
        }

        int size = ElementSize(descr, path);
        int rows = (int)Math.Min(shape[0], limit ?? long.MaxValue), columns = checked((int)shape[1]);
        var result = new T[rows][];
        var buffer = new byte[columns * size];
        for (int r = 0; r < rows; r++)
        {
            stream.ReadExactly(buffer);
            result[r] = convert(buffer, descr, columns);
        }

        return result;
    }

    private static int ElementSize(string descr, string path) => descr switch
    {
        "<f4" or "<i4" => 4,
        "<f8" or "<i8" => 8,
        "<f2" => 2,
        "|u1" or "|i1" or "<u1" or "<i1" => 1,
        _ => throw new InvalidDataException($"{path}: element type '{descr}' is not supported (float16/32/64, uint8, int8, int32, int64, little-endian)."),
    };

    private static double Element(byte[] bytes, string descr, int i) => descr switch
    {
        "<f4" => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4)),
        "<f8" => BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(i * 8)),
        "<f2" => (double)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(i * 2)),
        "<i4" => BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(i * 4)),
        "<i8" => BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(i * 8)),
        "|u1" or "<u1" => bytes[i],
        _ => (sbyte)bytes[i],
    };

    private static string Field(Regex pattern, string header, string path, string name)
    {
        Match match = pattern.Match(header);
        return match.Success ? match.Groups[1].Value : throw new InvalidDataException($"{path}: the .npy header has no '{name}'.");
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
