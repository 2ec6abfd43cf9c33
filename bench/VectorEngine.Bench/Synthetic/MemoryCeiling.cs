namespace VectorEngine.Bench.Synthetic;

/// <summary>
/// A measured RSS ceiling (this machine has no systemd to put the run in a cgroup scope): samples the process's
/// resident set every 20 ms, remembers the peak, and reads the kernel's own high-water mark (VmHWM) at the end; a run
/// that crosses the cap fails.
/// </summary>
internal sealed class MemoryCeiling : IDisposable
{
    private readonly long _capBytes;
    private readonly Timer _timer;
    private long _peakSampled;
    private long _peakAnon;
    private long _peakFile;

    public MemoryCeiling(long capBytes)
    {
        _capBytes = capBytes;
        _timer = new Timer(_ => Sample(), null, 0, 20);
    }

    /// <summary>The highest resident set sampled so far.</summary>
    public long PeakSampled => Interlocked.Read(ref _peakSampled);

    /// <summary>The highest anonymous (heap) part of the resident set sampled.</summary>
    public long PeakAnon => Interlocked.Read(ref _peakAnon);

    /// <summary>The highest file-backed (mapped vectors) part of the resident set sampled.</summary>
    public long PeakFile => Interlocked.Read(ref _peakFile);

    /// <summary>The kernel's high-water mark of the resident set (VmHWM), or the sampled peak where there is none.</summary>
    public long PeakResident => Status("VmHWM") ?? PeakSampled;

    /// <summary>The first time a sample crossed the cap, or null.</summary>
    public DateTime? CrossedAt { get; private set; }

    public long Cap => _capBytes;

    /// <summary>True when the run stayed under the cap.</summary>
    public bool Held => CrossedAt is null && PeakResident <= _capBytes;

    public static long? Status(string field)
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    public void Dispose() => _timer.Dispose();

    private static void Raise(ref long peak, long value)
    {
        long seen = Interlocked.Read(ref peak);
        while (value > seen && Interlocked.CompareExchange(ref peak, value, seen) != seen)
        {
            seen = Interlocked.Read(ref peak);
        }
    }

    private void Sample()
    {
        long rss = Status("VmRSS") ?? 0;
        Raise(ref _peakSampled, rss);
        Raise(ref _peakAnon, Status("RssAnon") ?? 0);
        Raise(ref _peakFile, Status("RssFile") ?? 0);

        if (rss > _capBytes && CrossedAt is null)
        {
            CrossedAt = DateTime.UtcNow;
        }
    }
}
