using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Logging.Abstractions;
using VectorEngine.Storage;
using VectorEngine.Storage.Wal;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests.Storage;

/// <summary>WAL laws: records round-trip, and cutting or corrupting the file at any byte recovers a prefix.</summary>
public sealed class WalPropertyTests
{
    [Property(MaxTest = 60)]
    public Property Truncation_or_corruption_at_any_byte_recovers_a_prefix() =>
        Prop.ForAll((from seed in Gen.Choose(0, int.MaxValue) from cut in Gen.Choose(0, 1_000_000) from corrupt in Gen.Elements(false, true) select (seed, cut, corrupt)).ToArbitrary(), input =>
        {
            var r = new Random(input.seed);
            using TempDirectory dir = Data.TempDir();
            string path = Path.Combine(dir.Path, "1.wal");
            var written = new List<byte[]>();
            using (WalWriter writer = WalWriter.Create(path, 1))
            {
                for (int i = r.Next(1, 20); i > 0; i--)
                {
                    byte[] payload = new byte[r.Next(1, 300)];
                    r.NextBytes(payload);
                    written.Add(payload);
                    using var record = new ByteWriter();
                    record.Reserve(WalWriter.FrameSize);
                    record.WriteBytes(payload);
                    writer.WaitDurable(writer.Append(record));
                }
            }

            long length = new FileInfo(path).Length;
            long at = input.cut % (length + 1);
            using (var f = new FileStream(path, FileMode.Open))
            {
                if (input.corrupt && at < length)
                {
                    f.Position = at;
                    int b = f.ReadByte();
                    f.Position = at;
                    f.WriteByte((byte)(b ^ 0x5A));
                }
                else
                {
                    f.SetLength(at);
                }
            }

            var replayed = new List<byte[]>();
            long valid = WalReader.Replay(path, 1, p => replayed.Add(p.ToArray()), NullLogger.Instance, out int count);
            Assert.Equal(replayed.Count, count);
            Assert.True(replayed.Count <= written.Count);
            for (int i = 0; i < replayed.Count; i++)
            {
                Assert.Equal(written[i], replayed[i]);
            }

            // An untouched log replays whole; after any damage, the file now ends at the last good record.
            if (!input.corrupt && at == length)
            {
                Assert.Equal(written.Count, replayed.Count);
            }

            Assert.Equal(Math.Max(valid, WalFileHeader.Size), new FileInfo(path).Length);
            var again = new List<byte[]>();
            WalReader.Replay(path, 1, p => again.Add(p.ToArray()), NullLogger.Instance, out _);
            Assert.Equal(replayed.Count, again.Count);
        });

    [Property(MaxTest = 25)]
    public Property Collections_round_trip_through_the_wal() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var r = new Random(seed);
            using var t = new Collections.TestDatabase();
            Collection c = t.Db.CreateCollection("c", new CollectionOptions(5, DistanceMetric.Cosine));
            var expected = new Dictionary<PointId, Point>();
            for (int op = r.Next(1, 15); op > 0; op--)
            {
                if (r.Next(4) == 0 && expected.Count > 0)
                {
                    var ids = expected.Keys.Where(_ => r.Next(3) == 0).ToList();
                    c.Delete(ids);
                    ids.ForEach(id => expected.Remove(id));
                }
                else
                {
                    var batch = Enumerable.Range(0, r.Next(1, 20)).Select(_ => new Point(
                        r.Next(3) switch { 0 => (PointId)(ulong)r.Next(50), 1 => (PointId)$"s{r.Next(50)}", _ => (PointId)new Guid(r.Next(50), 0, 0, new byte[8]) },
                        Data.RandomVector(r, 5),
                        RandomFilters.Payload(r))).ToList();
                    c.Upsert(batch);
                    batch.ForEach(p => expected[p.Id] = p);
                }
            }

            t.Reopen();
            Collection reopened = t.Db.GetCollection("c");
            Assert.Equal(expected.Count, reopened.Count());
            foreach (PointRecord record in reopened.Get(expected.Keys, withVector: true))
            {
                Point original = expected[record.Id];
                Assert.True(original.Payload!.ContentEquals(record.Payload));
                float[] normalised = (float[])original.Vector.Clone();
                VectorDistance.Normalize(normalised);
                Assert.Equal(normalised, record.Vector);
            }
        });
}
