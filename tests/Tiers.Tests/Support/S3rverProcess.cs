using System.Diagnostics;
using System.Net.Sockets;
using VectorEngine.S3;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tiers.Tests.Support;

/// <summary>
/// A real S3-compatible server (npm's s3rver, installed by scripts/s3rver.sh when missing) on a loopback port of its
/// own, with a bucket "vectorengine" and its data in a temporary folder; killed by pid when disposed. One per test class.
/// </summary>
public sealed class S3rverProcess : IDisposable
{
    public const string Bucket = "vectorengine";
    private static readonly Lazy<string> Entry = new(Install);
    private readonly Process _process;
    private readonly TempDirectory _data = Data.TempDir();

    public S3rverProcess()
    {
        Port = TestPorts.Next();
        var start = new ProcessStartInfo("node")
        {
            ArgumentList = { Entry.Value, "--directory", _data.Path, "--address", "127.0.0.1", "--port", Port.ToString(), "--silent", "--configure-bucket", Bucket },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"s3rver exited with {_process.ExitCode}.");
            }

            try
            {
                using var probe = new TcpClient();
                probe.Connect("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        Dispose();
        throw new TimeoutException("s3rver did not listen within 20 s.");
    }

    public int Port { get; }

    /// <summary>Where s3rver keeps objects: bucket folder, one folder per key with the content in "._S3rver_object".</summary>
    public string DataPath => _data.Path;

    public S3ObjectStore Store(string prefix = "") => new(new S3ObjectStoreOptions
    {
        Bucket = Bucket,
        Prefix = prefix,
        ServiceUrl = $"http://127.0.0.1:{Port}",
        AccessKey = "S3RVER",
        SecretKey = "S3RVER",
    });

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        _data.Dispose();
    }

    private static string Install()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "VectorEngine.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Repository root not found above the test binaries.");
        }

        var start = new ProcessStartInfo("bash") { ArgumentList = { Path.Combine(root, "scripts", "s3rver.sh"), "path" }, RedirectStandardOutput = true };
        using Process install = Process.Start(start)!;
        string output = install.StandardOutput.ReadToEnd();
        install.WaitForExit();
        string entry = output.Trim().Split('\n')[^1].Trim();
        if (install.ExitCode != 0 || !File.Exists(entry))
        {
            throw new InvalidOperationException($"scripts/s3rver.sh could not install s3rver (exit {install.ExitCode}): {output}");
        }

        return entry;
    }
}
