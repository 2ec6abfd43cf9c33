using System.Diagnostics;
using VectorEngine.Indexing;
using VectorEngine.Storage;

namespace VectorEngine.Bench.Runs;

/// <summary>
/// Wraps an index factory to time its builds, so a report can show the index build apart from the segment files the
/// engine writes and fsyncs around it (peers such as hnswlib time only their graph build).
/// </summary>
internal sealed class TimedIndexFactory(IVectorIndexFactory inner) : IVectorIndexFactory
{
    private long _buildTicks;

    /// <summary>Wall time spent in <see cref="Build"/> so far.</summary>
    public TimeSpan BuildTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _buildTicks));

    public string Name => inner.Name;

    public void Validate(IReadOnlyDictionary<string, string> parameters) => inner.Validate(parameters);

    public IVectorIndex Build(IVectorStore store, IReadOnlyDictionary<string, string> parameters)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            return inner.Build(store, parameters);
        }
        finally
        {
            Interlocked.Add(ref _buildTicks, Stopwatch.GetTimestamp() - start);
        }
    }

    public IVectorIndex? Load(IVectorStore store, IReadOnlyDictionary<string, string> parameters, StorageFolder folder) =>
        inner.Load(store, parameters, folder);
}
