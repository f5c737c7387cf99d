extern alias Generators;

using Generators::RedisCell.Aspects.Generators.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;

namespace RedisCell.Aspects.Analyzers.Tests.Escapes;

public sealed class RCA009CallNotInterceptedTests
{
    [Fact]
    public Task Base_calls_expression_trees_and_dynamic_calls_escape() => AnalyzerVerifier<CallNotInterceptedAnalyzer>.VerifyAsync("""
        using System;
        using System.Linq.Expressions;
        using RedisCell.Aspects;

        public class Service
        {
            [Gcra(5, 10, 1)]
            public virtual int Visible() => 1;

            [Gcra(5, 10, 1)]
            public int Echo(int value) => value;
        }

        public sealed class Derived : Service
        {
            public override int Visible() => {|#0:base.Visible()|} + 1;
        }

        public static class Caller
        {
            public static Expression<Func<Service, int>> Tree() => s => {|RCA009:s.Visible()|};

            public static void Dynamic(dynamic value) => {|RCA009:new Service().Echo(value)|};
        }
        """,
        new DiagnosticResult("RCA009", DiagnosticSeverity.Warning).WithLocation(0)
            .WithArguments("Service.Visible()", "a 'base.' call cannot be intercepted; move the attribute to the override or use partial mode"));

    [Fact]
    public Task Ordinary_calls_lambdas_and_partial_mode_are_limited() => AnalyzerVerifier<CallNotInterceptedAnalyzer>.VerifyAsync("""
        using System;
        using System.Linq.Expressions;
        using RedisCell.Aspects;

        public partial class Service
        {
            [Gcra(5, 10, 1)]
            public virtual int Visible() => 1;

            [Gcra(5, 10, 1)]
            public partial int Limited();

            // What the generator writes; the analyzer test runs no generator.
            public partial int Limited() => LimitedCore();

            private int LimitedCore() => 1;
        }

        public sealed class Derived : Service
        {
            // Partial mode limits inside the method, so even base calls and expression trees are limited.
            public int Both() => base.Limited() + Visible();
        }

        public static class Caller
        {
            public static int Call(Service s) => s.Visible();

            public static Func<int> Lambda(Service s) => () => s.Visible();

            public static Expression<Func<Service, int>> Tree() => s => s.Limited();
        }
        """);

    [Fact]
    public Task Interface_calls_on_a_type_parameter_that_may_be_a_struct_escape() => AnalyzerVerifier<CallNotInterceptedAnalyzer>.VerifyAsync("""
        using RedisCell.Aspects;

        public interface ICounter
        {
            [RatePerSecond(10)]
            void Inc();
        }

        public static class Bumps
        {
            public static void Bump<T>(ref T c) where T : ICounter => {|#0:c.Inc()|};

            public static void BumpStruct<T>(ref T c) where T : struct, ICounter => {|RCA009:c.Inc()|};

            // A reference type is passed by reference anyway: intercepted as usual.
            public static void BumpClass<T>(T c) where T : class, ICounter => c.Inc();

            public static void BumpInterface(ICounter c) => c.Inc();
        }
        """,
        new DiagnosticResult("RCA009", DiagnosticSeverity.Warning).WithLocation(0).WithArguments(
            "ICounter.Inc()",
            "the receiver's type 'T' may be a struct, which an interceptor would box, so changes the method makes to it would be lost; constrain 'T' to 'class', or put the attribute on the struct's own method and call that"));

    /// <summary>
    /// An intended escape is silenced where it happens, as docs/diagnostics/RCA009.md says. (The
    /// library's own check, which disables every diagnostic at the top of the file, is skipped:
    /// the '#pragma warning restore' here would undo it.)
    /// </summary>
    [Fact]
    public Task Pragma_and_SuppressMessage_silence_an_intended_escape()
    {
        var test = new Microsoft.CodeAnalysis.CSharp.Testing.CSharpAnalyzerTest<CallNotInterceptedAnalyzer, DefaultVerifier>
        {
            TestBehaviors = TestBehaviors.SkipSuppressionCheck,
            TestCode = """
        using System;
        using System.Diagnostics.CodeAnalysis;
        using System.Linq.Expressions;
        using RedisCell.Aspects;

        public class Service
        {
            [Gcra(5, 10, 1)]
            public int Echo(int value) => value;
        }

        public static class Caller
        {
        #pragma warning disable RCA009
            public static void Dynamic(dynamic value) => new Service().Echo(value);
        #pragma warning restore RCA009

            [SuppressMessage("RedisCell.Aspects.Generation", "RCA009", Justification = "Admin path.")]
            public static Expression<Func<Service, int>> Tree() => s => s.Echo(1);

            public static Expression<Func<Service, int>> Reported() => s => {|RCA009:s.Echo(2)|};
        }
        """,
        };
        TestProject.Configure(test);
        return test.RunAsync();
    }
}
