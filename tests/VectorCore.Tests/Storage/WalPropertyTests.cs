using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Storage;
using VectorEngine.Storage.Wal;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests.Storage;

/// <summary>WAL laws: records round-trip, and cutting or corrupting the file at any byte recovers a prefix.</summary>
public sealed class WalPropertyTests
{
    /// <summary>
    /// Cutting the file anywhere is a torn tail: a prefix replays. Flipping a byte of record k replays records before k,
    /// and is a torn tail only when k is the last record: a later record was appended after k was durable, so cutting
    /// there would drop acknowledged writes. A flipped header field is never a tail. The reader never changes the file.
    /// </summary>
    [Property(MaxTest = 100)]
    public Property Truncation_is_a_tail_and_corruption_before_the_last_record_is_not() =>
        Prop.ForAll((from seed in Gen.Choose(0, int.MaxValue) from cut in Gen.Choose(0, 1_000_000) from corrupt in Gen.Elements(false, true) select (seed, cut, corrupt)).ToArbitrary(), input =>
        {
            var r = new Random(input.seed);
            using TempDirectory dir = Data.TempDir();
            string path = Path.Combine(dir.Path, "1.wal");
            var written = new List<byte[]>();
            var ends = new List<long>();
            using (WalWriter writer = WalWriter.Create(LocalFileSystem.Instance, path, 1))
            {
                for (int i = r.Next(1, 20); i > 0; i--)
                {
                    byte[] payload = new byte[r.Next(1, 300)];
                    r.NextBytes(payload);
                    written.Add(payload);
                    using var record = new ByteWriter();
                    record.Reserve(WalWriter.FrameSize);
                    record.WriteBytes(payload);
                    long end = writer.Append(record);
                    writer.WaitDurable(end);
                    ends.Add(end);
                }
            }

            long length = new FileInfo(path).Length;
            long at = input.cut % (length + 1);
            bool corrupt = input.corrupt && at < length;
            using (var f = new FileStream(path, FileMode.Open))
            {
                if (corrupt)
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

            byte[] before = File.ReadAllBytes(path);
            var replayed = new List<byte[]>();
            WalReplay replay = WalReader.Replay(LocalFileSystem.Instance, path, 1, p => replayed.Add(p.ToArray()));
            Assert.Equal(replayed.Count, replay.Records);
            Assert.Equal(before, File.ReadAllBytes(path));
            for (int i = 0; i < replayed.Count; i++)
            {
                Assert.Equal(written[i], replayed[i]);
            }

            if (!corrupt)
            {
                int whole = ends.Count(e => e <= at);
                Assert.Equal(whole, replayed.Count);
                Assert.True(replay.IsTornTail, replay.Problem);
                bool onBoundary = at == WalFileHeader.Size || ends.Contains(at);
                Assert.Equal(onBoundary, replay.Problem is null);
                return;
            }

            bool inHeaderField = at < 12 || (at >= 16 && at < 24);
            if (at < WalFileHeader.Size)
            {
                Assert.Equal(inHeaderField, replay.Problem is not null);
                Assert.False(inHeaderField && replay.IsTornTail, "a damaged header field is not a tail");
                Assert.Equal(inHeaderField ? 0 : written.Count, replayed.Count);
                return;
            }

            int k = ends.FindIndex(e => at < e);
            Assert.Equal(k, replayed.Count);
            Assert.NotNull(replay.Problem);
            Assert.Equal(k == written.Count - 1, replay.IsTornTail);
        });

    /// <summary>Records appended before an fsync that never completed may be damaged in any order after a power loss: a
    /// record whose own durable mark does not cover the damage was never acknowledged, so the damage is still a tail.</summary>
    [Fact]
    public void Damage_followed_only_by_records_appended_while_it_was_unsynced_is_a_tail()
    {
        using TempDirectory dir = Data.TempDir();
        string path = Path.Combine(dir.Path, "1.wal");
        long synced;
        using (WalWriter writer = WalWriter.Create(LocalFileSystem.Instance, path, 1))
        {
            synced = Append(writer, 40);
            writer.WaitDurable(synced);
            Append(writer, 50);
            Append(writer, 60); // not synced, appended with the durable mark at the end of the first record
        }

        using (var f = new FileStream(path, FileMode.Open))
        {
            f.Position = synced + WalWriter.FrameSize + 3; // inside the second record: its page never reached the disk
            f.WriteByte(0xEE);
        }

        WalReplay replay = WalReader.Replay(LocalFileSystem.Instance, path, 1, _ => { });
        Assert.Equal(1, replay.Records);
        Assert.True(replay.IsTornTail, replay.Problem);

        static long Append(WalWriter writer, int size)
        {
            using var record = new ByteWriter();
            record.Reserve(WalWriter.FrameSize);
            record.WriteBytes(new byte[size]);
            return writer.Append(record);
        }
    }

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
