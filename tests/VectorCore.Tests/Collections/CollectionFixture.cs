using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests.Collections;

/// <summary>A database in a temporary directory with deterministic options (no background optimizer).</summary>
internal sealed class TestDatabase : IDisposable
{
    private readonly TempDirectory _dir = Data.TempDir();

    public TestDatabase(Action<VectorDatabaseOptions>? configure = null)
    {
        Configure = configure;
        Db = VectorDatabase.Open(_dir.Path, Options());
    }

    public VectorDatabase Db { get; private set; }

    public string Path => _dir.Path;

    private Action<VectorDatabaseOptions>? Configure { get; }

    public VectorDatabaseOptions Options()
    {
        var options = new VectorDatabaseOptions { EnableBackgroundOptimizer = false };
        Configure?.Invoke(options);
        return options;
    }

    public void Reopen()
    {
        Db.Dispose();
        Db = VectorDatabase.Open(_dir.Path, Options());
    }

    public void Dispose()
    {
        Db.Dispose();
        _dir.Dispose();
    }
}
