using System.Diagnostics;
using System.Text;

namespace VectorEngine.Tests.TestKit;

/// <summary>
/// A child process a crash test kills with SIGKILL: started with its output read line by line on a plain thread (the
/// kill must not wait on a continuation being scheduled), "READY" signalled, every other line handed to a callback,
/// stderr kept for the failure message.
/// </summary>
internal sealed class KillableChild : IDisposable
{
    private readonly Process _process;
    private readonly Thread _reader;
    private readonly ManualResetEventSlim _ready = new();
    private readonly StringBuilder _stderr = new();

    public KillableChild(IEnumerable<string> arguments, Action<string> onLine)
    {
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();
        _reader = new Thread(() =>
        {
            while (_process.StandardOutput.ReadLine() is { } line)
            {
                if (line == "READY")
                {
                    _ready.Set();
                }
                else
                {
                    onLine(line);
                }
            }
        });
        _reader.Start();
    }

    /// <summary>What the child wrote to stderr so far.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Waits for the child's "READY" line.</summary>
    public bool WaitReady(TimeSpan timeout) => _ready.Wait(timeout);

    /// <summary>SIGKILLs the child and waits for it and its output to end; false when either did not within 30 s.</summary>
    public bool KillAndWait()
    {
        _process.Kill(entireProcessTree: true);
        return _process.WaitForExit(30_000) && _reader.Join(TimeSpan.FromSeconds(30));
    }

    public void Dispose()
    {
        _process.Dispose();
        _ready.Dispose();
    }
}
