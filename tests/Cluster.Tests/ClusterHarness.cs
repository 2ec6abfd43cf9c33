using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Health.V1;
using Grpc.Net.Client;
using VectorEngine.Sharding.Tests.Support;

namespace VectorEngine.Cluster.Tests;

/// <summary>
/// A real cluster on loopback: its own etcd and N server processes (VectorEngine.Server.dll with --cluster-etcd,
/// --node-id, --advertise), each with its own data directory and ports. Nodes are killed with kill -9 and restarted
/// on the same directory and port; everything started is stopped by pid at the end.
/// </summary>
public sealed class ClusterHarness : IAsyncDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vectorengine-cluster-").FullName;
    private readonly string _clusterName = "c" + Guid.NewGuid().ToString("N")[..10];
    private readonly Node[] _nodes;
    private string[] _settings = [];

    private ClusterHarness(int count)
    {
        Etcd = new EtcdProcess();
        _nodes = Enumerable.Range(1, count).Select(i => new Node($"node-{i}", FreePort(), FreePort(), Path.Combine(_root, $"node-{i}"))).ToArray();
    }

    public EtcdProcess Etcd { get; }

    public int Count => _nodes.Length;

    /// <summary>Starts etcd and the first <paramref name="running"/> of <paramref name="nodes"/> nodes (all by default; the rest start later with <see cref="StartNodeAsync"/>).</summary>
    /// <param name="nodes">Node slots.</param>
    /// <param name="running">How many start now.</param>
    /// <param name="settings">Configuration arguments every node gets, at every start.</param>
    public static async Task<ClusterHarness> StartAsync(int nodes, int? running = null, params string[] settings)
    {
        var harness = new ClusterHarness(nodes) { _settings = settings };
        try
        {
            await Task.WhenAll(Enumerable.Range(0, running ?? nodes).Select(node => harness.StartNodeAsync(node)));
            return harness;
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    public string Address(int node) => $"http://127.0.0.1:{_nodes[node].Port}";

    public string NodeId(int node) => _nodes[node].Id;

    /// <summary>The index of the node with this id.</summary>
    public int IndexOf(string nodeId) => Array.FindIndex(_nodes, n => n.Id == nodeId);

    /// <summary>True while the node's process runs.</summary>
    public bool IsRunning(int node) => _nodes[node].Process is { HasExited: false };

    /// <summary>The node's last lines of output (for a failure message).</summary>
    public string Output(int node) => string.Join("\n", _nodes[node].Output.TakeLast(40));

    public GrpcChannel Channel(int node) => _nodes[node].Channel ??= GrpcChannel.ForAddress(Address(node));

    /// <summary>A collection's shard map and incarnation, as <paramref name="node"/> reports them (ShardPeer.ShardMaps); each shard's primary first.</summary>
    public async Task<(Sharding.Placement.ShardMap Map, ulong Incarnation)> ShardMapAsync(string name, int node = 0)
    {
        var peer = new Api.Cluster.V1.ShardPeer.ShardPeerClient(Channel(node));
        Api.Cluster.V1.CollectionShards shards = (await peer.ShardMapsAsync(new Api.Cluster.V1.ShardMapsRequest())).Collections.Single(c => c.CollectionName == name);
        var map = new Sharding.Placement.ShardMap(name, (long)shards.Version,
            shards.Shards.Select((s, i) => new Sharding.Placement.ShardAssignment(i, s.NodeIds.ToArray())).ToArray(), shards.HasShardKey ? shards.ShardKey : null);
        return (map, shards.Incarnation);
    }

    /// <summary>The node's Prometheus text (its metrics port).</summary>
    public async Task<string> MetricsAsync(int node)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync($"http://127.0.0.1:{_nodes[node].MetricsPort}/metrics");
    }

    /// <summary>
    /// Runs one more server process that claims <paramref name="nodeId"/> with a data directory of its own, waits (at
    /// most 60 s) for it to exit, and returns its exit code and output: a node id held by a live node is refused.
    /// </summary>
    public async Task<(int ExitCode, string Output)> RunIntruderAsync(string nodeId)
    {
        int port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "VectorEngine.Server.dll"),
                "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data", Path.Combine(_root, "intruder"),
                "--cluster-etcd", Etcd.Url, "--node-id", nodeId, "--advertise", $"127.0.0.1:{port}",
                $"--Cluster:ClusterName={_clusterName}", "--Server:MetricsPort=-1",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"A second '{nodeId}' kept running instead of being refused.");
        }

        return (process.ExitCode, await output + await errors);
    }

    /// <summary>kill -STOP (<paramref name="stop"/>) or kill -CONT: a node that hangs without closing its connections.</summary>
    public void Pause(int node, bool stop)
    {
        int pid = _nodes[node].Process?.Id ?? throw new InvalidOperationException($"{_nodes[node].Id} is not running.");
        using Process signal = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { stop ? "-STOP" : "-CONT", pid.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
        signal.WaitForExit(5_000);
    }

    /// <summary>kill -9.</summary>
    public void Kill(int node)
    {
        Node n = _nodes[node];
        if (n.Process is { HasExited: false })
        {
            Pause(node, stop: false);
        }

        if (n.Process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit(10_000);
        }

        n.Process?.Dispose();
        n.Process = null;
    }

    /// <summary>Starts (or restarts, on its directory and port) a node; <paramref name="extra"/> adds configuration arguments.</summary>
    public async Task StartNodeAsync(int node, bool waitServing = true, params string[] extra)
    {
        Node n = _nodes[node];
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "VectorEngine.Server.dll"),
                "--port", n.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data", n.Data,
                "--cluster-etcd", Etcd.Url, "--node-id", n.Id, "--advertise", $"127.0.0.1:{n.Port}",
                $"--Cluster:ClusterName={_clusterName}", $"--Server:MetricsPort={n.MetricsPort}",
                "--Logging:LogLevel:Default=Warning",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in _settings.Concat(extra))
        {
            start.ArgumentList.Add(argument);
        }

        n.Output.Clear();
        Process process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => n.Output.Enqueue(e.Data ?? string.Empty);
        process.ErrorDataReceived += (_, e) => n.Output.Enqueue(e.Data ?? string.Empty);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        n.Process = process;
        if (waitServing)
        {
            await WaitServingAsync(node);
        }
    }

    /// <summary>True when the node answers SERVING now.</summary>
    public async Task<bool> IsServingAsync(int node)
    {
        try
        {
            var health = new Health.HealthClient(Channel(node));
            return (await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2))).Status == HealthCheckResponse.Types.ServingStatus.Serving;
        }
        catch (Grpc.Core.RpcException)
        {
            return false;
        }
    }

    public async Task WaitServingAsync(int node)
    {
        Node n = _nodes[node];
        var health = new Health.HealthClient(Channel(node));
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (n.Process is { HasExited: true } exited)
            {
                throw new InvalidOperationException($"{n.Id} exited ({exited.ExitCode}) while starting: {string.Join("\n", n.Output.TakeLast(30))}");
            }

            try
            {
                HealthCheckResponse answer = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                if (answer.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (Grpc.Core.RpcException)
            {
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"{n.Id} not SERVING within 60 s: {string.Join("\n", n.Output.TakeLast(30))}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Where each node's last output lines go when the harness is disposed: a test's output helper, which xUnit prints
    /// when the test fails, so that a failure seen only in CI keeps the nodes' side (they log warnings and above).
    /// </summary>
    public Action<string>? Log { get; set; }

    public async ValueTask DisposeAsync()
    {
        if (Log is { } log)
        {
            for (int i = 0; i < _nodes.Length; i++)
            {
                log($"--- {_nodes[i].Id}: last output lines ---{Environment.NewLine}{Output(i)}");
            }
        }

        for (int i = 0; i < _nodes.Length; i++)
        {
            Kill(i);
            _nodes[i].Channel?.Dispose();
        }

        Etcd.Dispose();
        await Task.Yield();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        return VectorEngine.Tests.TestKit.TestPorts.Next();
    }

    private sealed class Node(string id, int port, int metricsPort, string data)
    {
        public string Id { get; } = id;

        public int Port { get; } = port;

        public int MetricsPort { get; } = metricsPort;

        public string Data { get; } = data;

        public Process? Process { get; set; }

        public GrpcChannel? Channel { get; set; }

        public System.Collections.Concurrent.ConcurrentQueue<string> Output { get; } = new();
    }
}
