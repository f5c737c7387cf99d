using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;

namespace RedisCell.Aspects.Analyzers.Tests.GeneratorDiagnostics;

public sealed class RCA009CallNotInterceptedTests
{
    [Fact]
    public Task Base_calls_expression_trees_and_dynamic_calls_escape() => GeneratorDiagnosticVerifier.VerifyAsync("""
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
        GeneratorDiagnosticVerifier.Expect("RCA009", DiagnosticSeverity.Warning, 0)
            .WithArguments("Service.Visible()", "a 'base.' call cannot be intercepted; move the attribute to the override or use partial mode"));

    [Fact]
    public Task Ordinary_calls_lambdas_and_partial_mode_are_limited() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using System;
        using System.Linq.Expressions;
        using RedisCell.Aspects;

        public partial class Service
        {
            [Gcra(5, 10, 1)]
            public virtual int Visible() => 1;

            [Gcra(5, 10, 1)]
            public partial int Limited();

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
}
