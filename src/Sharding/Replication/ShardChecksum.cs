using System.IO.Hashing;
using System.Runtime.InteropServices;
using Google.Protobuf;
using VectorEngine.Protocol.Mapping;

namespace VectorEngine.Sharding.Replication;

/// <summary>
/// An order-independent checksum of a copy's points: the sum of one 64-bit hash per point over its id, vector and
/// payload (keys in ordinal order, values in their wire form), plus the count. Two copies that hold the same points
/// agree whatever order they were written or stored in; a missing, extra or different point changes it.
/// </summary>
internal static class ShardChecksum
{
    private const int Page = 1_000;

    public static ulong Of(Collection collection)
    {
        ulong sum = 0;
        ulong count = 0;
        var hash = new XxHash64();
        PointId? offset = null;
        do
        {
            ScrollPage page = collection.Scroll(new ScrollRequest { Offset = offset, Limit = Page, WithPayload = true, WithVector = true });
            foreach (PointRecord point in page.Points)
            {
                hash.Reset();
                hash.Append(point.Id.ToWire().ToByteArray());
                hash.Append(MemoryMarshal.AsBytes(point.Vector.AsSpan()));
                if (point.Payload is { } payload)
                {
                    foreach (string key in payload.Keys.Order(StringComparer.Ordinal))
                    {
                        hash.Append(System.Text.Encoding.UTF8.GetBytes(key));
                        hash.Append(payload[key].ToWire().ToByteArray());
                    }
                }

                sum += hash.GetCurrentHashAsUInt64();
                count++;
            }

            offset = page.NextOffset;
        }
        while (offset is not null);
        return sum ^ (count * 0x9E3779B97F4A7C15UL);
    }
}
