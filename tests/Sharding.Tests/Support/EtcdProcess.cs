using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace VectorEngine.Sharding.Tests.Support;

/// <summary>
/// A real etcd (Debian's etcd-server, installed by scripts/etcd.sh when missing) on loopback ports of its own, in a
/// temporary data directory. <see cref="Kill"/> kills it by pid (-9); <see cref="Start"/> brings it back on the same
/// directory and ports, as a restart would.
/// </summary>
public sealed class EtcdProcess : IDisposable
{
    private static readonly Lazy<bool> Installed = new(Install);
    private readonly string _directory = Directory.CreateTempSubdirectory("vectorengine-etcd-").FullName;
    private readonly int _peerPort = FreePort();
    private Process? _process;

    public EtcdProcess()
    {
        _ = Installed.Value;
        ClientPort = FreePort();
        Start();
    }

    public int ClientPort { get; }

    public string Url => $"http://127.0.0.1:{ClientPort}";

    public void Start()
    {
        var start = new ProcessStartInfo("etcd")
        {
            ArgumentList =
            {
                "--name", "test", "--data-dir", Path.Combine(_directory, "data"),
                "--listen-client-urls", Url, "--advertise-client-urls", Url,
                "--listen-peer-urls", $"http://127.0.0.1:{_peerPort}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{_peerPort}",
                "--initial-cluster", $"test=http://127.0.0.1:{_peerPort}", "--logger", "zap", "--log-level", "error",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("etcd did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitHealthy();
    }

    /// <summary>kill -9: etcd gets no chance to shut down.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Kill();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void WaitHealthy()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"etcd exited with {_process.ExitCode} at start.");
            }

            using var health = Process.Start(new ProcessStartInfo("etcdctl")
            {
                ArgumentList = { $"--endpoints={Url}", "--command-timeout=1s", "endpoint", "health" },
                Environment = { ["ETCDCTL_API"] = "3" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            health.WaitForExit(5_000);
            if (health.HasExited && health.ExitCode == 0)
            {
                return;
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException("etcd did not become healthy within 20 s.");
    }

    private static bool Install()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "VectorEngine.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Repository root not found above the test binaries.");
        }

        using var install = Process.Start(new ProcessStartInfo("bash") { ArgumentList = { Path.Combine(root, "scripts", "etcd.sh"), "install" } })!;
        install.WaitForExit();
        if (install.ExitCode != 0)
        {
            throw new InvalidOperationException("scripts/etcd.sh install failed: etcd-server could not be installed.");
        }

        return true;
    }

    private static int FreePort()
    {
        return VectorEngine.Tests.TestKit.TestPorts.Next();
    }
}
