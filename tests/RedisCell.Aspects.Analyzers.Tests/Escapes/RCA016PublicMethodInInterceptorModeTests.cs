extern alias Generators;

using Generators::RedisCell.Aspects.Generators.Analyzers;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;
using RedisCell.Aspects.CodeFixes;

namespace RedisCell.Aspects.Analyzers.Tests.Escapes;

public sealed class RCA016PublicMethodInInterceptorModeTests
{
    private static Task VerifyAsync(string source) => AnalyzerVerifier<PublicMethodInInterceptorModeAnalyzer>.VerifyAsync(source);

    /// <summary>Applies the fix with the generator running: the partial-mode result must build with no diagnostic.</summary>
    private static Task VerifyFixAsync(string source, string fixedSource) =>
        GeneratorCodeFixVerifier<PublicMethodInInterceptorModeAnalyzer, ConvertToPartialModeCodeFix>.VerifyAsync(source, fixedSource);

    [Fact]
    public Task Public_methods_visible_outside_the_assembly_are_reported() => VerifyAsync("""
        using RedisCell.Aspects;

        public class Api
        {
            [RatePerSecond(10)]
            public void {|RCA016:Ping|}() { }

            [RatePerSecond(10)]
            protected internal void {|RCA016:Pong|}() { }

            public class Nested
            {
                [Gcra(1, 2, 3)]
                public static int {|RCA016:Count|}() => 0;
            }
        }
        """);

    [Fact]
    public Task Internal_private_interface_abstract_and_partial_methods_are_not_reported() => VerifyAsync("""
        using RedisCell.Aspects;

        internal class Hidden
        {
            [RatePerSecond(10)]
            public void Ping() { }
        }

        public interface IApi
        {
            [RatePerSecond(10)]
            void Ping();
        }

        public abstract partial class Api
        {
            [RatePerSecond(10)]
            internal void Internal() { }

            [RatePerSecond(10)]
            private void Private() { }

            [RatePerSecond(10)]
            public abstract void Abstract();

            [RatePerSecond(10)]
            public partial void Partial();

            public partial void Partial() => PartialCore();

            private void PartialCore() { }

            public void Plain() { }
        }
        """);

    [Fact]
    public Task Fix_moves_the_body_into_Core_and_makes_the_type_partial() => VerifyFixAsync("""
        using RedisCell.Aspects;

        namespace Shop;

        public class Orders
        {
            /// <summary>Places an order.</summary>
            [Throttle("user:{userId}", 15, 30, 60)]
            [System.Obsolete("use PlaceAsync")]
            public int {|RCA016:Place|}(int userId, string item = "book")
            {
                return userId + item.Length;
            }

            public int Other() => 1;
        }
        """, """
        using RedisCell.Aspects;

        namespace Shop;

        public partial class Orders
        {
            /// <summary>Places an order.</summary>
            [Throttle("user:{userId}", 15, 30, 60)]
            [System.Obsolete("use PlaceAsync")]
            public partial int Place(int userId, string item = "book");

            private int PlaceCore(int userId, string item = "book")
            {
                return userId + item.Length;
            }

            public int Other() => 1;
        }
        """);

    [Fact]
    public Task Fix_keeps_static_async_and_generic_constraints() => VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        using RedisCell.Aspects;

        public static class Loader
        {
            [RatePerSecond(10)]
            public static async Task<T> {|RCA016:LoadAsync|}<T>(T id) where T : IComparable<T>
            {
                await Task.Yield();
                return id;
            }

            [RatePerSecond(10)]
            public static string {|RCA016:Echo|}(this string text) => text;
        }
        """, """
        using System;
        using System.Threading.Tasks;
        using RedisCell.Aspects;

        public static partial class Loader
        {
            [RatePerSecond(10)]
            public static partial Task<T> LoadAsync<T>(T id) where T : IComparable<T>;

            private static async Task<T> LoadAsyncCore<T>(T id) where T : IComparable<T>
            {
                await Task.Yield();
                return id;
            }

            [RatePerSecond(10)]
            public static partial string Echo(this string text);

            private static string EchoCore(string text) => text;
        }
        """);

    [Fact]
    public Task Fix_on_a_generic_override_states_the_inherited_constraints() => VerifyFixAsync("""
        using RedisCell.Aspects;

        public class Base
        {
            public virtual T Echo<T>(T value) where T : class => value;
        }

        public class Outer
        {
            public sealed class Derived : Base
            {
                [RatePerSecond(10)]
                public override T {|RCA016:Echo|}<T>(T value) => value;
            }
        }
        """, """
        using RedisCell.Aspects;

        public class Base
        {
            public virtual T Echo<T>(T value) where T : class => value;
        }

        public partial class Outer
        {
            public sealed partial class Derived : Base
            {
                [RatePerSecond(10)]
                public override partial T Echo<T>(T value);

                private T EchoCore<T>(T value) where T : class => value;
            }
        }
        """);

    /// <summary>
    /// RCA008 comes from the generator, not an analyzer: the verifier runs the generator and offers
    /// the fix for its diagnostic, as the IDE does; the fixed code must then build with what the
    /// generator writes for it, with no diagnostic left.
    /// </summary>
    [Fact]
    public Task Fix_also_converts_a_private_method_reported_by_the_generator() =>
        GeneratorDiagnosticFixVerifier<ConvertToPartialModeCodeFix>.VerifyAsync("""
            using RedisCell.Aspects;

            class Api
            {
                [RatePerSecond(10)]
                void {|RCA008:Ping|}() { }

                public void Use() => Ping();
            }
            """, """
            using RedisCell.Aspects;

            partial class Api
            {
                [RatePerSecond(10)]
                private partial void Ping();

                private void PingCore() { }

                public void Use() => Ping();
            }
            """);
}
