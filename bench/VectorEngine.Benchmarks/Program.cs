using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(VectorEngine.Benchmarks.BaseConfig).Assembly).Run(args);
