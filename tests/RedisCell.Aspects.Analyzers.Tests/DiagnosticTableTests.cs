extern alias Generators;

using System.Reflection;
using Microsoft.CodeAnalysis;
using DiagnosticDescriptors = Generators::RedisCell.Aspects.Generators.Diagnostics.DiagnosticDescriptors;

namespace RedisCell.Aspects.Analyzers.Tests;

/// <summary>The one diagnostic table: IDs unique and in order, each with its help link and release entry.</summary>
public sealed class DiagnosticTableTests
{
    private static readonly DiagnosticDescriptor[] All = typeof(DiagnosticDescriptors)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .ToArray();

    [Fact]
    public void Ids_are_unique_and_consecutive()
    {
        string[] ids = All.Select(d => d.Id).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Enumerable.Range(1, ids.Length).Select(n => $"RCA{n:000}"), ids);
    }

    [Fact]
    public void Every_descriptor_links_to_its_page_and_is_in_the_release_table()
    {
        string releases = File.ReadAllText(Path.Combine(RepositoryRoot(), "generators", "RedisCell.Aspects.Generators", "AnalyzerReleases.Unshipped.md"));
        foreach (DiagnosticDescriptor descriptor in All)
        {
            Assert.EndsWith($"/docs/diagnostics/{descriptor.Id}.md", descriptor.HelpLinkUri, StringComparison.Ordinal);
            Assert.Contains($"{descriptor.Id} | {descriptor.Category} | {descriptor.DefaultSeverity} |", releases, StringComparison.Ordinal);
        }
    }

    internal static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RedisCell.Aspects.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("The repository root (RedisCell.Aspects.sln) is not above " + AppContext.BaseDirectory);
    }
}
