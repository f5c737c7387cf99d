using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;

namespace RedisCell.Aspects.Analyzers.Tests.GeneratorDiagnostics;

public sealed class RCA007UnsupportedMethodTests
{
    [Fact]
    public Task Async_void_is_refused_with_the_way_out() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using RedisCell.Aspects;

        public class Form
        {
            [Gcra(5, 10, 1)]
            public async void {|#0:OnClick|}(object sender, EventArgs e) => await Task.Yield();

            public void Click() => OnClick(this, EventArgs.Empty);
        }
        """,
        GeneratorDiagnosticVerifier.Expect("RCA007", DiagnosticSeverity.Error, 0)
            .WithArguments(
                "Form.OnClick(object, EventArgs)",
                "async void methods cannot be awaited, so the limiter could only block the calling thread, and as event handlers they are called through delegates, which are not intercepted; return Task, or use partial mode (a partial void method with the body in an async void 'OnClickCore')"));

    [Fact]
    public Task Async_Task_and_partial_mode_over_an_async_void_Core_are_accepted() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using RedisCell.Aspects;

        public partial class Form
        {
            [Gcra(5, 10, 1)]
            public async Task SaveAsync() => await Task.Yield();

            [Gcra(5, 10, 1)]
            public partial void OnClick(object sender, EventArgs e);

            private async void OnClickCore(object sender, EventArgs e) => await SaveAsync();
        }
        """);

    [Fact]
    public Task Shapes_the_generator_cannot_rewrite_are_errors() => GeneratorDiagnosticVerifier.VerifyUnsafeAsync("""
        using RedisCell.Aspects;

        public interface IShape
        {
            [Gcra(5, 10, 1)]
            static abstract int {|RCA007:Create|}();
        }

        public unsafe class Native
        {
            [Gcra(5, 10, 1)]
            public int* {|RCA007:Pointer|}() => null;
        }

        public partial class Handwritten
        {
            [Gcra(5, 10, 1)]
            public partial void {|RCA007:Run|}();

            public partial void Run() { }

            private void RunCore() { }
        }

        public readonly struct Money
        {
            [Gcra(5, 10, 1)]
            public static Money operator {|RCA007:+|}(Money a, Money b) => a;

            [Gcra(5, 10, 1)]
            public static implicit operator {|RCA007:decimal|}(Money m) => 0;

            public int Cents
            {
                [Gcra(5, 10, 1)]
                {|RCA007:get|} => 0;
            }
        }

        public interface IJob { void Run(); }

        public class Job : IJob
        {
            [Gcra(5, 10, 1)]
            void IJob.{|RCA007:Run|}() { }
        }

        public class Resource
        {
            [Gcra(5, 10, 1)]
            ~{|RCA007:Resource|}() { }
        }

        public static class Local
        {
            public static void Outer()
            {
                [Gcra(5, 10, 1)]
                static void {|RCA007:Inner|}() { }

                Inner();
            }
        }
        """);

    [Fact]
    public Task Attribute_on_a_hand_written_partial_implementation_is_reported() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public partial class Handwritten
        {
            public partial void M(int x);

            [RatePerSecond(1)]
            public partial void {|#0:M|}(int x) { }

            public void Call() => M(1);
        }
        """,
        GeneratorDiagnosticVerifier.Expect("RCA007", DiagnosticSeverity.Error, 0)
            .WithArguments(
                "Handwritten.M(int)",
                "the attribute is on the implementation of a partial method, which the generator cannot replace; for partial mode put it on the declaration without a body, delete this implementation and move its body into 'MCore'"));

    [Fact]
    public Task Attribute_on_both_parts_is_reported_once_at_the_definition() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public partial class Handwritten
        {
            [RatePerSecond(1)]
            public partial void {|RCA007:M|}(int x);

            [RatePerSecond(2)]
            public partial void M(int x) { }

            private void MCore(int x) { }
        }
        """);

    [Fact]
    public Task Different_kinds_on_the_two_parts_are_reported_once_at_the_definition() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public partial class Handwritten
        {
            [RatePerSecond(1)]
            public partial void {|RCA007:M|}(int x);

            [Throttle("x:{x}", 1, 1, 1)]
            public partial void M(int x) { }

            private void MCore(int x) { }
        }
        """);

    [Fact]
    public Task Attribute_on_a_lambda_is_reported() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using System;
        using RedisCell.Aspects;

        public static class Lambdas
        {
            public static void Run()
            {
                Action<int> a = {|#0:[RatePerSecond(1)] (int x) => Console.WriteLine(x)|};
                a(1);
            }
        }
        """,
        GeneratorDiagnosticVerifier.Expect("RCA007", DiagnosticSeverity.Error, 0)
            .WithArguments(
                "lambda expression",
                "a lambda is only called through a delegate, which cannot be intercepted; put the attribute on a method and call it from the lambda"));

    [Fact]
    public Task Partial_mode_in_a_file_local_type_is_reported() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        file partial class Local
        {
            [RatePerSecond(1)]
            public partial void {|#0:M|}();

            private void MCore() { }

            public partial class Nested
            {
                [RatePerSecond(1)]
                public partial void {|#1:N|}();

                private void NCore() { }
            }
        }
        """,
        DiagnosticResult.CompilerError("CS8795").WithLocation(0).WithArguments("Local.M()"),
        GeneratorDiagnosticVerifier.Expect("RCA007", DiagnosticSeverity.Error, 0)
            .WithArguments("Local.M()", "it is in a file-local type, which generated code in another file cannot name or extend"),
        DiagnosticResult.CompilerError("CS8795").WithLocation(1).WithArguments("Local.Nested.N()"),
        GeneratorDiagnosticVerifier.Expect("RCA007", DiagnosticSeverity.Error, 1)
            .WithArguments("Local.Nested.N()", "it is in a file-local type, which generated code in another file cannot name or extend"));

    [Fact]
    public Task Extension_block_members_are_reported() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Ext
        {
            extension(string s)
            {
                [RatePerSecond(10)]
                internal int {|#0:Twice|}() => s.Length * 2;
            }

            public static int Use() => "ab".Twice();
        }
        """,
        TestProject.ParseOptions.WithLanguageVersion(Microsoft.CodeAnalysis.CSharp.LanguageVersion.Preview),
        GeneratorDiagnosticVerifier.Expect("RCA007", DiagnosticSeverity.Error, 0)
            .WithArguments("Ext.extension(string).Twice()", "it is declared in an extension block, whose members generated code cannot forward; declare it as a classic extension method (a static method with a 'this' parameter)"));
}
