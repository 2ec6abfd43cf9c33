using System.Net;
using System.Net.Sockets;

namespace VectorEngine.Tests.TestKit;

/// <summary>
/// Ports for servers a test starts and may restart: below the kernel's ephemeral range (32768 and up on Linux), so no
/// outgoing connection (to etcd, between nodes) can take a port between the test choosing it and the server binding it,
/// or while a killed node is down. Free when chosen; each process walks its own stretch from a random start.
/// </summary>
internal static class TestPorts
{
    private const int First = 20_000;
    private const int Count = 12_000;
    private static int _next = Random.Shared.Next(Count);

    public static int Next()
    {
        for (int attempt = 0; attempt < 1_000; attempt++)
        {
            int port = First + (int)((uint)Interlocked.Increment(ref _next) % Count);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // In use: try the next one.
            }
        }

        throw new InvalidOperationException($"No free port in {First}-{First + Count - 1} after 1,000 tries.");
    }
}
