extern alias Generators;

using System.Collections;
using System.Reflection;
using Generators::RedisCell.Aspects.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RedisCell.Aspects.Generators.Tests.Infrastructure;

namespace RedisCell.Aspects.Generators.Tests;

/// <summary>The pipeline is incremental: unrelated edits reuse every step, and steps hold only plain values.</summary>
public sealed class IncrementalTests
{
    private const string Declarations = """
        using System.Threading.Tasks;
        using RedisCell.Aspects;

        namespace Shop;

        // Above the attributed methods: an edit here moves them all.
        public static class Helpers
        {
            public static int Unrelated(int x) => x + 1;
        }

        public static class Api
        {
            [Throttle("user:{user}", 1, 2, 3)] public static int Get(string user) => 1;
            [Gcra(1, 2, 3)] public static Task SaveAsync() => Task.CompletedTask;
            [RatePerSecond(5)] [TokenBudget("t:{user}", 10, Cost = nameof(tokens))] public static void Spend(string user, int tokens) { }
            [TokenBudget("c:{user}", 10)] public static void Charge(string user) { }
        }

        public partial class Reports
        {
            [Gcra(1, 2, 3)] public partial int Build(int id);
            private int BuildCore(int id) => id;
        }
        """;

    // In a file of their own: an interceptor names its call by a checksum of the call's file, so
    // any edit to that file rightly regenerates it.
    private const string Callers = """
        using System.Threading.Tasks;

        namespace Shop;

        public static class Caller
        {
            public static async Task Run() { _ = Api.Get("a"); await Api.SaveAsync(); Api.Spend("a", 1); Api.Charge("a"); _ = new Reports().Build(1); }

            // Reported, not intercepted: feeds the diagnostics step.
            public static System.Linq.Expressions.Expression<System.Func<int>> Tree() => () => Api.Get("tree");
        }
        """;

    private const string Unrelated = """
        namespace Shop;

        public static class Unrelated
        {
            public static void Log() => System.Console.WriteLine("before");
        }
        """;

    private const string UnrelatedEdited = """
        namespace Shop;

        public static class Unrelated
        {
            public static void Log() => System.Console.WriteLine("after");

            public static int Added(int x) => System.Math.Abs(x);
        }
        """;

    private static IEnumerable<string> StepNames() =>
        typeof(TrackingNames).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!);

    [Fact]
    public void An_unrelated_edit_leaves_every_step_cached() =>
        AssertEveryStepCachedAfter("Test2.cs", UnrelatedEdited);

    /// <summary>
    /// An edit in the attributed methods' own file, outside them and above them, so that every one
    /// of them moves: no step produces anything new, so no generated source is written again.
    /// </summary>
    [Fact]
    public void An_edit_to_an_unrelated_method_beside_the_attributed_ones_leaves_every_step_cached() =>
        AssertEveryStepCachedAfter("Test0.cs", Declarations.Replace("=> x + 1;", "=> checked(x * 2 + 1);", StringComparison.Ordinal));

    private static void AssertEveryStepCachedAfter(string file, string editedSource)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Declarations, Callers, Unrelated);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        Assert.NotEmpty(driver.GetRunResult().GeneratedTrees);

        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath.EndsWith(file, StringComparison.Ordinal));
        Assert.NotEqual(old.ToString(), editedSource);
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(editedSource, GeneratorHarness.ParseOptions, old.FilePath));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (string name in StepNames())
        {
            Assert.True(result.TrackedSteps.ContainsKey(name), $"step {name} did not run");
            foreach (IncrementalGeneratorRunStep step in result.TrackedSteps[name])
            {
                foreach ((object value, IncrementalStepRunReason reason) in step.Outputs)
                {
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step {name} produced {reason}: {value}");
                }
            }
        }

        foreach ((string name, IncrementalGeneratorRunStep step) in result.TrackedOutputSteps.SelectMany(p => p.Value.Select(s => (p.Key, s))))
        {
            Assert.All(step.Outputs, output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
        }
    }

    [Fact]
    public void An_edit_to_an_attribute_regenerates()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Declarations, Callers, Unrelated);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);

        SyntaxTree old = compilation.SyntaxTrees.First();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(
            Declarations.Replace("[Gcra(1, 2, 3)] public static Task", "[Gcra(1, 2, 4)] public static Task"), GeneratorHarness.ParseOptions, old.FilePath));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains(result.TrackedSteps[TrackingNames.InterceptorGroups].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("GcraPolicy(1, 2, 4)", result.GeneratedSources.Single(s => s.HintName == "RedisCell.Aspects.Interceptors.g.cs").SourceText.ToString());
    }

    [Fact]
    public void No_step_carries_symbols_syntax_locations_or_compilations()
    {
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(GeneratorHarness.Compile(Declarations, Callers, Unrelated));
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        int checkedValues = 0;
        foreach (string name in StepNames())
        {
            foreach ((object value, _) in result.TrackedSteps[name].SelectMany(s => s.Outputs))
            {
                AssertPlain(value, name, [], 0);
                checkedValues++;
            }
        }

        Assert.True(checkedValues > 5, "the steps produced almost nothing to check");
    }

    private static readonly Type[] s_forbidden =
        [typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Location), typeof(Compilation), typeof(SemanticModel), typeof(AttributeData)];

    private static void AssertPlain(object? value, string path, HashSet<object> seen, int depth)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        Assert.True(depth < 32, $"{path} is nested too deeply");
        Type type = value.GetType();
        Assert.False(s_forbidden.Any(f => f.IsAssignableFrom(type)) || type == typeof(SyntaxToken), $"{path} holds a {type.FullName}");
        if (value is DiagnosticDescriptor || !type.IsValueType && !seen.Add(value)) return;
        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items) AssertPlain(item, $"{path}[{i++}]", seen, depth + 1);
            return;
        }

        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            AssertPlain(property.GetValue(value), $"{path}.{property.Name}", seen, depth + 1);
        }
    }
}
