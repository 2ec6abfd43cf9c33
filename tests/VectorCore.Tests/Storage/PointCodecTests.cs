using VectorEngine.Storage;

namespace VectorEngine.Tests.Storage;

/// <summary>Stored payload bytes are untrusted (a restored archive, a damaged disk): crafted ones fail cleanly.</summary>
public sealed class PointCodecTests
{
    [Fact]
    public void Arrays_nested_a_million_deep_are_refused_without_overflowing_the_stack()
    {
        using var w = new ByteWriter();
        w.WriteUInt32(1);
        w.WriteString("k");
        for (int i = 0; i < 1_000_000; i++)
        {
            w.WriteByte((byte)PayloadValueKind.Array);
            w.WriteUInt32(1);
        }

        byte[] bytes = w.WrittenSpan.ToArray();
        Assert.Throws<DataCorruptionException>(() =>
        {
            var reader = new ByteReader(bytes);
            PointCodec.ReadPayload(ref reader);
        });
    }

    [Fact]
    public void A_payload_with_an_array_of_scalars_round_trips()
    {
        using var w = new ByteWriter();
        var payload = new Payload { ["tags"] = new[] { "a", "b" }, ["n"] = 3 };
        PointCodec.WritePayload(w, payload);
        byte[] bytes = w.WrittenSpan.ToArray();
        var reader = new ByteReader(bytes);
        Assert.True(payload.ContentEquals(PointCodec.ReadPayload(ref reader)));
    }
}
