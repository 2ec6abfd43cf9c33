namespace VectorEngine.Bench.Tests;

/// <summary>
/// Tests that time the engine or count the process's allocations: they run alone, after the others, so that no
/// other test's threads share their cores or their allocation counters.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Timing";
}
