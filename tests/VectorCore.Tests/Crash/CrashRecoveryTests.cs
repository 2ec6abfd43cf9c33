using VectorEngine.Tests.TestKit;
using Xunit.Abstractions;

namespace VectorEngine.Tests.Crash;

/// <summary>
/// Kills a real child process (VectorEngine.CrashHost) with SIGKILL at random moments while it upserts and deletes,
/// then checks that every acknowledged write survived, acknowledged deletes stayed deleted, and the database opens.
/// The child uses small segments and a fast optimizer, so kills also land in seals, merges and checkpoints.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    private const int Rounds = 24;
    private const int DeletePeriod = 4;
    private const int Batch = 20;

    [Fact]
    public void Acknowledged_writes_survive_sigkill_at_random_moments()
    {
        using TempDirectory dir = Data.TempDir();
        string dbPath = Path.Combine(dir.Path, "db");
        string host = Path.Combine(AppContext.BaseDirectory, "VectorEngine.CrashHost.dll");
        Assert.True(File.Exists(host), $"crash host not built at {host}");
        var mustExist = new HashSet<ulong>();
        var mustNotExist = new HashSet<ulong>();
        var random = new Random(2026);
        int totalAcks = 0;

        for (int round = 1; round <= Rounds; round++)
        {
            var acks = new List<string>();
            int maxOps = random.Next(20, 600);
            using var child = new KillableChild([host, dbPath, round.ToString(), maxOps.ToString()], line =>
            {
                if (line.StartsWith("ACK ", StringComparison.Ordinal))
                {
                    lock (acks)
                    {
                        acks.Add(line);
                    }
                }
            });
            bool opened = child.WaitReady(TimeSpan.FromSeconds(60));
            if (opened)
            {
                Thread.Sleep(random.Next(20, 600));
            }

            Assert.True(child.KillAndWait(), $"round {round}: child did not die, or its output did not close");
            Assert.True(opened, $"round {round}: child did not open the database: {child.Stderr}");

            // Ops run in a fixed order (every 4th is a delete); the one after the last ack may or may not have landed.
            List<string> acked;
            lock (acks)
            {
                acked = [.. acks];
            }

            totalAcks += acked.Count;
            ulong next = (ulong)round * 1_000_000;
            for (int op = 0; op <= Math.Min(acked.Count, maxOps - 1); op++)
            {
                bool isDelete = op % DeletePeriod == DeletePeriod - 1;
                bool wasAcked = op < acked.Count;
                if (wasAcked)
                {
                    string[] parts = acked[op].Split(' ');
                    Assert.Equal(isDelete ? "DELETE" : "UPSERT", parts[1]);
                }

                if (isDelete)
                {
                    ulong first = next - Batch;
                    for (ulong id = first; id < first + (Batch / 2); id++)
                    {
                        mustExist.Remove(id);
                        if (wasAcked)
                        {
                            mustNotExist.Add(id);
                        }
                    }
                }
                else
                {
                    if (wasAcked)
                    {
                        for (ulong id = next; id < next + Batch; id++)
                        {
                            mustExist.Add(id);
                        }
                    }

                    next += Batch;
                }
            }

            Verify(dbPath, mustExist, mustNotExist, round);
        }

        output.WriteLine($"{Rounds} kills, {totalAcks} acknowledged batches, {mustExist.Count} points verified present, {mustNotExist.Count} verified deleted");
        Assert.True(totalAcks > Rounds, "the children acknowledged too few writes for the test to mean anything");
    }

    private static void Verify(string dbPath, HashSet<ulong> mustExist, HashSet<ulong> mustNotExist, int round)
    {
        using VectorDatabase db = VectorDatabase.Open(dbPath, new VectorDatabaseOptions { EnableBackgroundOptimizer = false });
        Collection c = db.GetCollection("crash");
        var present = c.Get(mustExist.Select(id => (PointId)id), withVector: true).ToDictionary(p => p.Id.Number);
        var missing = mustExist.Where(id => !present.ContainsKey(id)).Take(5).ToList();
        Assert.True(missing.Count == 0, $"round {round}: acknowledged points missing, e.g. {string.Join(", ", missing)}");
        foreach ((ulong id, PointRecord record) in present)
        {
            Assert.Equal((float)id, record.Vector![0]);
            Assert.Equal((long)id, record.Payload!["n"].AsInteger);
        }

        Assert.Empty(c.Get(mustNotExist.Select(id => (PointId)id)));
    }
}
