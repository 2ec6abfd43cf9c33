using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Segments;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tiers.Tests;

/// <summary>Warm payloads: MessagePack round trips, and FASTER's log holding more than its memory region.</summary>
public sealed class WarmPayloadStoreTests
{
    [Fact]
    public void Payloads_several_times_the_memory_region_read_back_exactly_from_the_log_on_disk()
    {
        using TempDirectory dir = Data.TempDir();
        const int Rows = 12_000;
        var payloads = new List<Payload>(Rows);
        for (int i = 0; i < Rows; i++)
        {
            payloads.Add(new Payload { ["i"] = i, ["text"] = new string((char)('a' + (i % 26)), 200 + (i % 300)), ["f"] = i * 0.5 });
        }

        // ~5 MB of values against a 2 MiB region: most reads go to disk.
        using var store = new WarmPayloadStore(dir.Path, 2L << 20);
        using Segment segment = SegmentOf(payloads, id: 7);
        store.Write(segment);
        IPayloadStore view = store.View(7, Rows);
        var random = new Random(3);
        foreach (int i in Enumerable.Range(0, Rows).OrderBy(_ => random.Next()))
        {
            Payload read = view.PayloadAt((uint)i);
            Assert.Equal(i, read["i"].AsInteger);
            Assert.Equal(payloads[i]["text"].AsString, read["text"].AsString);
        }

        // The log's pages beyond the memory region are on disk (FASTER names its segment files payloads.log.N).
        Assert.True(Directory.EnumerateFiles(Path.Combine(dir.Path, WarmPayloadStore.Folder)).Sum(f => new FileInfo(f).Length) > 3L << 20);

        // A forgotten segment's rows are gone; another segment's stay.
        using Segment other = SegmentOf(payloads.Take(10).ToList(), id: 8);
        store.Write(other);
        store.Forget(7, Rows);
        Assert.Throws<DataCorruptionException>(() => view.PayloadAt(5));
        Assert.Equal(5, store.View(8, 10).PayloadAt(5)["i"].AsInteger);
    }

    /// <summary>Any payload the engine accepts comes back from MessagePack equal, value kind by value kind.</summary>
    [Property(MaxTest = 300)]
    public Property MessagePack_round_trips_every_payload()
    {
        Gen<PayloadValue> scalar = Gen.OneOf(
            Gen.Constant(PayloadValue.Null),
            ArbMap.Default.GeneratorFor<string>().Where(s => s is not null).Select(s => PayloadValue.From(s)),
            ArbMap.Default.GeneratorFor<long>().Select(PayloadValue.From),
            ArbMap.Default.GeneratorFor<double>().Where(double.IsFinite).Select(PayloadValue.From),
            ArbMap.Default.GeneratorFor<bool>().Select(PayloadValue.From),
            Gen.Choose(0, int.MaxValue).Select(t => PayloadValue.From(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(t * 997L))));
        Gen<PayloadValue> value = Gen.Frequency((4, scalar), (1, Gen.ArrayOf(scalar.Where(v => !v.IsNull), Gen.Choose(0, 5).Sample(1)[0]).Select(a => PayloadValue.FromArray(a))));
        Gen<Payload> payloads =
            from keys in Gen.ListOf(ArbMap.Default.GeneratorFor<NonEmptyString>().Select(k => k.Get.Length > 64 ? k.Get[..64] : k.Get))
            from values in Gen.ArrayOf(value, keys.Distinct().Count())
            select ToPayload(keys.Distinct().ToList(), values);
        return Prop.ForAll(payloads.ToArbitrary(), payload =>
        {
            var buffer = new ArrayBufferWriter<byte>();
            PayloadMessagePack.Write(buffer, payload);
            Payload read = PayloadMessagePack.Read(buffer.WrittenMemory);
            return read.Count == payload.Count && payload.All(p => read.TryGetValue(p.Key, out PayloadValue v) && Same(p.Value, v));
        });
    }

    private static Payload ToPayload(List<string> keys, PayloadValue[] values)
    {
        var payload = new Payload();
        for (int i = 0; i < keys.Count; i++)
        {
            payload[keys[i]] = values[i];
        }

        return payload;
    }

    private static bool Same(PayloadValue a, PayloadValue b) =>
        a.Kind == b.Kind && (a.Kind != PayloadValueKind.Array ? a.Equals(b) : a.AsArray.SequenceEqual(b.AsArray));

    private static Segment SegmentOf(List<Payload> payloads, int id)
    {
        var segment = Segment.CreateMutable(id, 4, DistanceMetric.L2, PayloadIndexes.PayloadIndexSchema.Empty);
        for (int i = 0; i < payloads.Count; i++)
        {
            segment.Append((ulong)i, new float[4], payloads[i]);
        }

        return segment;
    }
}
