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

    /// <summary>
    /// Each ID has its page (headed "# ID: title") and a row in the index with its severity and
    /// title; backticks in the docs are formatting, not part of the title.
    /// </summary>
    [Fact]
    public void Every_descriptor_has_a_docs_page_and_a_row_in_the_index()
    {
        string folder = Path.Combine(RepositoryRoot(), "docs", "diagnostics");
        string[] index = File.ReadAllLines(Path.Combine(folder, "README.md")).Select(Plain).ToArray();
        foreach (DiagnosticDescriptor descriptor in All)
        {
            string id = descriptor.Id;
            string title = descriptor.Title.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string page = Path.Combine(folder, id + ".md");
            Assert.True(File.Exists(page), $"docs/diagnostics/{id}.md is missing");
            Assert.Equal($"# {id}: {title}", Plain(File.ReadLines(page).First()));
            string row = $"| [{id}]({id}.md) | {descriptor.DefaultSeverity} | {title} |";
            Assert.True(index.Any(line => line.StartsWith(row, StringComparison.Ordinal)), $"docs/diagnostics/README.md has no row starting '{row}'");
        }
    }

    private static string Plain(string markdown) => markdown.Replace("`", "", StringComparison.Ordinal);

    internal static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RedisCell.Aspects.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("The repository root (RedisCell.Aspects.sln) is not above " + AppContext.BaseDirectory);
    }
}
