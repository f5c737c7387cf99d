extern alias Generators;

using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using DiagnosticDescriptors = Generators::RedisCell.Aspects.Generators.Diagnostics.DiagnosticDescriptors;
using DiagnosticMessages = Generators::RedisCell.Aspects.Generators.Diagnostics.DiagnosticMessages;

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

    /// <summary>
    /// The message table holds no text that nothing reports: each of its members is named, as
    /// <c>DiagnosticMessages.Member</c>, somewhere in the generator's other sources.
    /// </summary>
    [Fact]
    public void Every_message_text_is_used()
    {
        string folder = Path.Combine(RepositoryRoot(), "generators", "RedisCell.Aspects.Generators");
        string table = Path.Combine(folder, "Diagnostics", "DiagnosticMessages.cs");
        string sources = string.Join("\n", Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(path => path != table && !path.Split(Path.DirectorySeparatorChar).Contains("obj"))
            .Select(File.ReadAllText));
        string[] members = typeof(DiagnosticMessages)
            .GetMembers(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => m is FieldInfo or MethodInfo)
            .Select(m => m.Name)
            .Distinct()
            .ToArray();
        Assert.NotEmpty(members);
        string[] unused = members.Where(name => !Regex.IsMatch(sources, $@"\bDiagnosticMessages\.{name}\b")).ToArray();
        Assert.True(unused.Length == 0, "Nothing reports DiagnosticMessages." + string.Join(", DiagnosticMessages.", unused));
    }

    /// <summary>Each member of the message table says, in its one-line summary, which diagnostic uses it.</summary>
    [Fact]
    public void Every_message_text_names_its_diagnostic()
    {
        string[] lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "generators", "RedisCell.Aspects.Generators", "Diagnostics", "DiagnosticMessages.cs"));
        HashSet<string> ids = All.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].TrimStart().StartsWith("public ", StringComparison.Ordinal)) continue;
            Match summary = Regex.Match(i > 0 ? lines[i - 1] : "", @"^\s*/// <summary>(RCA\d{3})\b");
            Assert.True(summary.Success && ids.Contains(summary.Groups[1].Value), $"DiagnosticMessages.cs line {i + 1} has no '/// <summary>RCAnnn' line above it naming a diagnostic");
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
