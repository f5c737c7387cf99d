extern alias Generators;

using System.Collections.Immutable;
using Generators::RedisCell.Aspects.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;

namespace RedisCell.Aspects.Analyzers.Tests.Escapes;

public sealed class RCA019InterceptorsNotEnabledTests
{
    private const string TwoCalls = """
        using RedisCell.Aspects;

        public static class Api
        {
            [RatePerSecond(10)]
            public static void Ping() { }

            public static void Use()
            {
                {|RCA019:Ping()|};
                Ping();
            }
        }
        """;

    private static CSharpParseOptions WithFeature(string name, string value) =>
        TestProject.ParseOptions.WithFeatures([new(name, value)]);

    [Fact]
    public Task Missing_feature_is_reported_once_at_the_first_call() =>
        GeneratorDiagnosticVerifier.VerifyAsync(TwoCalls, TestProject.ParseOptions.WithFeatures([]));

    [Fact]
    public Task Only_the_first_file_in_path_order_gets_the_error() =>
        GeneratorDiagnosticVerifier.VerifyAsync(
            [("/0/B.cs", "public static class B { public static void Use() => Api.Ping(); }"), ("/0/A.cs", TwoCalls)],
            TestProject.ParseOptions.WithFeatures([]));

    [Theory]
    [InlineData("InterceptorsNamespaces", "RedisCell.Aspects.Generated")]
    [InlineData("InterceptorsNamespaces", "MyApp.Generated;RedisCell.Aspects.Generated")]
    [InlineData("InterceptorsNamespaces", "RedisCell.Aspects")]
    [InlineData("InterceptorsNamespaces", "RedisCell")]
    [InlineData("interceptorsnamespaces", "RedisCell.Aspects.Generated")]
    public Task Enabled_namespace_or_an_enclosing_one_is_accepted(string feature, string value) =>
        GeneratorDiagnosticVerifier.VerifyAsync(TwoCalls.Replace("{|RCA019:Ping()|}", "Ping()"), WithFeature(feature, value));

    [Theory]
    [InlineData("InterceptorsNamespaces", "")]
    [InlineData("InterceptorsNamespaces", "MyApp.Generated")]
    [InlineData("InterceptorsNamespaces", "RedisCell.Aspects.Gen")]
    [InlineData("InterceptorsNamespaces", "RedisCell.Aspects.Generated.Inner")]
    [InlineData("InterceptorsNamespaces", " RedisCell.Aspects.Generated")]
    [InlineData("InterceptorsPreviewNamespaces", "RedisCell.Aspects.Generated")]
    public Task Features_the_compiler_does_not_accept_are_reported(string feature, string value) =>
        GeneratorDiagnosticVerifier.VerifyAsync(TwoCalls, WithFeature(feature, value));

    [Fact]
    public Task Projects_without_intercepted_calls_need_no_feature() =>
        GeneratorDiagnosticVerifier.VerifyAsync("""
            using System;
            using System.Linq.Expressions;
            using RedisCell.Aspects;

            public partial class Api
            {
                [RatePerSecond(10)]
                public partial void Partial();

                private void PartialCore() { }

                [RatePerSecond(10)]
                public static void Intercepted() { }

                public void Use()
                {
                    Partial();
                    Expression<Action> tree = () => Intercepted();
                    Action group = Intercepted;
                }
            }
            """, TestProject.ParseOptions.WithFeatures([]));

    /// <summary>
    /// The generator's reading of the features must be the compiler's: for each setting, the
    /// generator's interceptors (written with interceptors enabled) fail with CS9137 exactly when
    /// RCA019 is reported; and under that setting the generator writes interceptors exactly when
    /// the compiler accepts them, so a project never sees CS9137 in generated code.
    /// </summary>
    [Theory]
    [InlineData("InterceptorsNamespaces", "RedisCell.Aspects.Generated", true)]
    [InlineData("InterceptorsNamespaces", "RedisCell", true)]
    [InlineData("interceptorsnamespaces", "RedisCell.Aspects.Generated", true)]
    [InlineData("InterceptorsNamespaces", " RedisCell.Aspects.Generated", false)]
    [InlineData("InterceptorsNamespaces", "RedisCell.Aspects.Generated.Inner", false)]
    [InlineData("InterceptorsPreviewNamespaces", "RedisCell.Aspects.Generated", false)]
    public void Agrees_with_the_compiler(string feature, string value, bool accepted)
    {
        CSharpParseOptions options = WithFeature(feature, value);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Consumer",
            [CSharpSyntaxTree.ParseText(TwoCalls.Replace("{|RCA019:Ping()|}", "Ping()"), options, path: "/Consumer.cs")],
            TestProject.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

        CSharpGeneratorDriver.Create([new RateLimitGenerator().AsSourceGenerator()], parseOptions: options)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation underSetting, out ImmutableArray<Diagnostic> reported);
        Assert.Equal(accepted, underSetting.SyntaxTrees.Count() > 1);

        // The interceptors the generator writes when enabled, compiled under the setting.
        CSharpCompilation enabled = compilation.RemoveAllSyntaxTrees().AddSyntaxTrees(compilation.SyntaxTrees.Select(t => t.WithRootAndOptions(t.GetRoot(), TestProject.ParseOptions)));
        CSharpGeneratorDriver.Create([new RateLimitGenerator().AsSourceGenerator()], parseOptions: TestProject.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(enabled, out Compilation generated, out _);
        Compilation interceptorsUnderSetting = compilation.AddSyntaxTrees(
            generated.SyntaxTrees.Skip(1).Select(t => CSharpSyntaxTree.ParseText(t.GetText(), options, t.FilePath)));
        bool compilerRejects = interceptorsUnderSetting.GetDiagnostics().Any(d => d.Id == "CS9137");

        Assert.Equal(!accepted, compilerRejects);
        Assert.Equal(!accepted, reported.Any(d => d.Id == "RCA019"));
        Assert.All(reported, d => Assert.Equal("RCA019", d.Id));
    }
}
