using Xunit.Abstractions;

[assembly: CollectionBehavior(DisableTestParallelization = true)]
[assembly: TestCollectionOrderer("RedisCell.Aspects.Tests.Infrastructure.AuditLastOrderer", "RedisCell.Aspects.Tests")]

namespace RedisCell.Aspects.Tests.Infrastructure;

/// <summary>
/// Runs the collection named <see cref="AuditCollection"/> after every other one, so the audit sees
/// every key the suite left behind. Tests run one collection at a time: several suites measure
/// timing and load on a two-core machine, where parallel collections would distort each other.
/// </summary>
public sealed class AuditLastOrderer : ITestCollectionOrderer
{
    public const string AuditCollection = "Audit (runs last)";

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(c => c.DisplayName == AuditCollection ? 1 : 0).ThenBy(c => c.DisplayName, StringComparer.Ordinal);
}
