using System.Reflection;
using BenchmarkDotNet.Running;
using RedisCell.Aspects.Benchmarks;

// In-process figures. Examples (see docs/benchmarks.md#performance for the tables):
//   dotnet run -c Release --project perf/RedisCell.Aspects.Benchmarks -- --filter '*'
//   dotnet run -c Release --project perf/RedisCell.Aspects.Benchmarks -- --filter '*ThrottledCall*'
BenchmarkSwitcher.FromAssembly(Assembly.GetExecutingAssembly()).Run(args, new BenchmarkConfig());
