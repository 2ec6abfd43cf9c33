using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace VectorEngine.Benchmarks;

/// <summary>One configuration for every suite: workstation non-concurrent GC and the memory diagnoser (0 B is the target).</summary>
public sealed class BaseConfig : ManualConfig
{
    public BaseConfig()
    {
        AddJob(Job.Default.WithGcServer(false).WithGcConcurrent(false));
        AddDiagnoser(MemoryDiagnoser.Default);
        WithOptions(ConfigOptions.DisableOptimizationsValidator);
    }
}
