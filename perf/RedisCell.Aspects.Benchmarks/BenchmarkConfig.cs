using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace RedisCell.Aspects.Benchmarks;

/// <summary>
/// One configuration for every benchmark here: allocations measured, GitHub-markdown tables, and a
/// job sized for a shared 2-core machine (enough iterations to see the noise, few enough to finish
/// in minutes). <c>--job</c> on the command line replaces the job.
/// </summary>
public sealed class BenchmarkConfig : ManualConfig
{
    public BenchmarkConfig()
    {
        Add(DefaultConfig.Instance);
        AddDiagnoser(MemoryDiagnoser.Default);
        AddExporter(MarkdownExporter.GitHub);
        AddColumn(StatisticColumn.P95);
        HideColumns(Column.Error, Column.RatioSD);
        AddJob(Job.Default.WithWarmupCount(4).WithIterationCount(12).WithId("shared-2-core"));
        WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Value));
        WithOptions(ConfigOptions.JoinSummary);
    }
}
