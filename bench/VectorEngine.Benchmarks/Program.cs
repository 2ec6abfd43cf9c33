using BenchmarkDotNet.Running;
using VectorEngine.Benchmarks.Budget;

// "budget [--check FILE]": the allocation budget run (see AllocationBudget); anything else goes to BenchmarkDotNet.
return args.Length > 0 && args[0] == "budget"
    ? AllocationBudget.Run(args[1..])
    : RunSuites(args);

static int RunSuites(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(VectorEngine.Benchmarks.BaseConfig).Assembly).Run(args);
    return 0;
}
