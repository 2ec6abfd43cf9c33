using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace VectorEngine.Sharding.Placement;

/// <summary>
/// The 64-bit hashes placement runs on: XxHash64 (seed 0) of a kind tag and the value's little-endian bytes. The
/// same on every process, machine and version (string.GetHashCode is randomised per process), so every node and
/// every cluster-aware client routes a key alike. The kind tag keeps the number 1 and the string "1" apart, as
/// point ids of different kinds never collide.
/// </summary>
public static class StableHash
{
    private const byte NumberTag = 1;
    private const byte UuidTag = 2;
    private const byte StringTag = 3;
    private const byte IntegerTag = 4;
    private const byte VirtualNodeTag = 5;

    /// <summary>The hash of a point id.</summary>
    /// <param name="id">A valid (non-default) id.</param>
    /// <exception cref="ArgumentException">A default id.</exception>
    public static ulong Of(PointId id)
    {
        Span<byte> bytes = stackalloc byte[17];
        switch (id.Kind)
        {
            case PointIdKind.Number:
                bytes[0] = NumberTag;
                BinaryPrimitives.WriteUInt64LittleEndian(bytes[1..], id.Number);
                return XxHash64.HashToUInt64(bytes[..9]);
            case PointIdKind.Uuid:
                bytes[0] = UuidTag;
                id.Uuid.TryWriteBytes(bytes[1..], bigEndian: true, out _);
                return XxHash64.HashToUInt64(bytes);
            case PointIdKind.String:
                return OfText(StringTag, id.String);
            default:
                throw new ArgumentException("A default point id has no shard.", nameof(id));
        }
    }

    /// <summary>The hash of a shard-key value: a string (keyword) or an integer.</summary>
    /// <param name="value">The point's shard-key payload value.</param>
    /// <exception cref="ArgumentException">Any other kind of value (null, float, bool, date, array).</exception>
    public static ulong Of(PayloadValue value)
    {
        switch (value.Kind)
        {
            case PayloadValueKind.String:
                return OfText(StringTag, value.AsString);
            case PayloadValueKind.Integer:
                Span<byte> bytes = stackalloc byte[9];
                bytes[0] = IntegerTag;
                BinaryPrimitives.WriteInt64LittleEndian(bytes[1..], value.AsInteger);
                return XxHash64.HashToUInt64(bytes);
            default:
                throw new ArgumentException($"A shard key must be a string or an integer; got {value.Kind}.", nameof(value));
        }
    }

    /// <summary>The ring position of virtual node <paramref name="index"/> of <paramref name="member"/>.</summary>
    /// <param name="member">The member's name.</param>
    /// <param name="index">Which of its virtual nodes.</param>
    public static ulong OfVirtualNode(string member, int index) => OfText(VirtualNodeTag, member + "#" + index.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static ulong OfText(byte tag, string text)
    {
        int length = Encoding.UTF8.GetMaxByteCount(text.Length) + 1;
        byte[]? rented = length > 512 ? System.Buffers.ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> bytes = rented ?? stackalloc byte[512];
        bytes[0] = tag;
        int written = Encoding.UTF8.GetBytes(text, bytes[1..]);
        ulong hash = XxHash64.HashToUInt64(bytes[..(written + 1)]);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }

        return hash;
    }
}
