using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Grpc.Net.Client;
using VectorEngine.Client;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Server.Tests;

/// <summary>
/// The real server process under write load gets SIGTERM: it drains its calls, flushes the WAL and exits 0, and a
/// restarted process finds every write it acknowledged.
/// </summary>
public sealed partial class ShutdownTests
{
    private const int Sigterm = 15;

    [Fact]
    public async Task A_data_directory_that_cannot_be_opened_stops_the_server_with_a_failing_exit_code()
    {
        using TempDirectory dir = Data.TempDir();
        string notADirectory = Path.Combine(dir.Path, "a-file");
        await File.WriteAllTextAsync(notADirectory, "not a database");
        using Process server = StartServer(notADirectory, ServerHarness.FreePort());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await server.WaitForExitAsync(timeout.Token);
        Assert.Equal(2, server.ExitCode);
    }

    [Fact]
    public async Task Sigterm_under_write_load_exits_cleanly_and_a_restart_finds_every_acknowledged_write()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using TempDirectory dir = Data.TempDir();
        int port = ServerHarness.FreePort();
        var acknowledged = new ConcurrentBag<ulong>();
        using (Process server = StartServer(dir.Path, port))
        {
            using GrpcChannel channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
            await WaitServing(channel, server);
            using var client = new VectorEngineClient(channel);
            RemoteCollection c = await client.CreateCollectionAsync("c", new CollectionOptions(8, DistanceMetric.L2));

            // Four writers, each bounded to 2,000 batches and 20 s, stop at their first failure (the server going away).
            DateTime deadline = DateTime.UtcNow.AddSeconds(20);
            Task[] writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
            {
                for (int batch = 0; batch < 2_000 && DateTime.UtcNow < deadline; batch++)
                {
                    ulong first = (ulong)((w * 1_000_000) + (batch * 10));
                    Point[] points = Enumerable.Range(0, 10).Select(i => new Point(first + (ulong)i, Vector(first + (ulong)i))).ToArray();
                    try
                    {
                        await c.UpsertAsync(points);
                    }
                    catch (Exception)
                    {
                        return;
                    }

                    foreach (Point p in points)
                    {
                        acknowledged.Add(p.Id.Number);
                    }
                }
            })).ToArray();

            // Let the load build up, then ask the server to stop while writes are in flight.
            DateTime loaded = DateTime.UtcNow.AddSeconds(10);
            while (acknowledged.Count < 2_000 && DateTime.UtcNow < loaded)
            {
                await Task.Delay(20);
            }

            Assert.Equal(0, Kill(server.Id, Sigterm));
            Assert.True(server.WaitForExit(30_000), "the server did not exit within 30 s of SIGTERM");
            Assert.Equal(0, server.ExitCode);
            await Task.WhenAll(writers);
        }

        Assert.True(acknowledged.Count >= 100, $"only {acknowledged.Count} writes were acknowledged before SIGTERM");
        int again = ServerHarness.FreePort();
        using (Process server = StartServer(dir.Path, again))
        {
            using GrpcChannel channel = GrpcChannel.ForAddress($"http://127.0.0.1:{again}");
            await WaitServing(channel, server);
            using var client = new VectorEngineClient(channel);
            RemoteCollection c = client.GetCollection("c");
            ulong[] ids = acknowledged.ToArray();
            Assert.True(await c.CountAsync() >= ids.Length);
            for (int start = 0; start < ids.Length; start += 1_000)
            {
                ulong[] chunk = ids[start..Math.Min(ids.Length, start + 1_000)];
                IReadOnlyList<PointRecord> found = await c.GetAsync(chunk.Select(id => new PointId(id)), withPayload: false, withVector: true);
                Assert.Equal(chunk.Length, found.Count);
                Assert.All(found, p => Assert.Equal(Vector(p.Id.Number), p.Vector));
            }

            Assert.Equal(0, Kill(server.Id, Sigterm));
            Assert.True(server.WaitForExit(30_000));
        }
    }

    private static float[] Vector(ulong id) => Enumerable.Range(0, 8).Select(d => (float)((id * 31 + (ulong)d) % 97)).ToArray();

    private static Process StartServer(string dataDirectory, int port)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "VectorEngine.Server.dll"),
                "--port", $"{port}", "--data", dataDirectory, "--Server:MetricsPort=-1", "--Logging:LogLevel:Default=Warning",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitServing(GrpcChannel channel, Process server)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            Assert.False(server.HasExited, "the server process exited while starting");
            try
            {
                await ServerHarness.WaitServingAsync(channel);
                return;
            }
            catch (Grpc.Core.RpcException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
