using Microsoft.CodeAnalysis;
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
}
