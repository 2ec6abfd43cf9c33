// Crash-test child: upserts and deletes batches against a database directory and prints one line per acknowledged
// batch ("ACK UPSERT first count" / "ACK DELETE first count"), at most maxOps of them. The test kills it with SIGKILL
// at a random moment and checks that everything acknowledged survived. The round number keeps ids of rounds apart.
// Usage: VectorEngine.CrashHost <db path> <round> <max ops>
//        VectorEngine.CrashHost tiers <db path> <objects path> <round>   (see TierCrashHost)
using VectorEngine;
using VectorEngine.CrashHost;

if (args[0] == "tiers")
{
    TierCrashHost.Run(args[1], args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture));
    return;
}

string path = args[0];
int round = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
int maxOps = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
const int Dim = 16;
const int Batch = 20;
using var db = VectorDatabase.Open(path, new VectorDatabaseOptions
{
    // Small segments so that kills also land inside seals and checkpoints.
    MaxMutableSegmentPoints = 700,
    OptimizerInterval = TimeSpan.FromMilliseconds(200),
    OptimizerSmallSegmentPoints = 2_000,
});
Collection collection = db.TryGetCollection("crash", out Collection? existing) && existing is not null
    ? existing
    : db.CreateCollection("crash", new CollectionOptions(Dim, DistanceMetric.L2) { PayloadIndexes = { ["round"] = PayloadIndexType.Integer } });
Console.WriteLine("READY");
var random = new Random(round);
ulong next = (ulong)round * 1_000_000;
for (int i = 0; i < maxOps; i++)
{
    if (i % 4 == 3)
    {
        // Delete the first half of the previous upsert batch.
        ulong first = next - Batch;
        collection.Delete(Enumerable.Range(0, Batch / 2).Select(j => (PointId)(first + (ulong)j)));
        Console.WriteLine($"ACK DELETE {first} {Batch / 2}");
        continue;
    }

    var points = new Point[Batch];
    for (int j = 0; j < Batch; j++)
    {
        float[] v = new float[Dim];
        v[0] = next + (ulong)j;
        for (int d = 1; d < Dim; d++)
        {
            v[d] = (float)random.NextDouble();
        }

        points[j] = new Point(next + (ulong)j, v, new Payload { ["round"] = round, ["n"] = (long)(next + (ulong)j) });
    }

    collection.Upsert(points);
    Console.WriteLine($"ACK UPSERT {next} {Batch}");
    next += Batch;
}

// Out of work: idle until the test kills us, so that the kill also lands on a quiet process (and the optimizer).
Console.WriteLine("IDLE");
Thread.Sleep(Timeout.Infinite);
