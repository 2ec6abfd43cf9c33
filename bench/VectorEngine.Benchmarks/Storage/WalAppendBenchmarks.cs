using BenchmarkDotNet.Attributes;
using VectorEngine.Storage;
using VectorEngine.Storage.Wal;

namespace VectorEngine.Benchmarks.Storage;

/// <summary>
/// Appending one upsert-sized record (a 384-d vector and a small payload) to the write-ahead log without fsync: the
/// framing, CRC32C and write every durable write pays before its group commit. Must allocate 0 B per record.
/// </summary>
[Config(typeof(BaseConfig))]
public class WalAppendBenchmarks
{
    private readonly ByteWriter _record = new();
    private string _directory = string.Empty;
    private WalWriter _wal = null!;
    private byte[] _body = [];

    [Params(384)]
    public int Dim { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "ve-bdn-wal-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _wal = WalWriter.Create(LocalFileSystem.Instance, Path.Combine(_directory, "wal.log"), generation: 1);
        _body = new byte[(Dim * sizeof(float)) + 64];
        new Random(5).NextBytes(_body);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _wal.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Starts a new file every 64 MiB, so a long run does not fill the disk (the amortised cost is noise).</summary>
    [Benchmark]
    public long Append()
    {
        if (_wal.Length > 64 << 20)
        {
            _wal.Dispose();
            File.Delete(_wal.Path);
            _wal = WalWriter.Create(LocalFileSystem.Instance, Path.Combine(_directory, "wal.log"), generation: 1);
        }

        _record.Reset();
        _record.Reserve(WalWriter.FrameSize);
        _body.CopyTo(_record.Reserve(_body.Length));
        return _wal.Append(_record);
    }
}
