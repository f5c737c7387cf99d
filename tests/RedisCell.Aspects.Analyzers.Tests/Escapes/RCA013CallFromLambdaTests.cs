extern alias Generators;

using Generators::RedisCell.Aspects.Generators.Analyzers;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;
using RedisCell.Aspects.CodeFixes;

namespace RedisCell.Aspects.Analyzers.Tests.Escapes;

/// <summary>RCA013's code fix: "Call 'M' from a lambda", whose call the generator intercepts.</summary>
public sealed class RCA013CallFromLambdaTests
{
    private static Task VerifyFixAsync(string source, string fixedSource) =>
        CodeFixVerifier<DelegateEscapesAnalyzer, MethodGroupToLambdaCodeFix>.VerifyAsync(source, fixedSource);

    [Fact]
    public Task Static_and_instance_method_groups_become_lambdas() => VerifyFixAsync("""
        using System;
        using System.Collections.Generic;
        using RedisCell.Aspects;

        public class Api
        {
            [RatePerSecond(10)]
            public static void Ping() { }

            [Throttle("user:{userId}", 15, 30, 60)]
            public int Load(int userId) => userId;

            public void Use(List<int> users)
            {
                Action a = {|RCA013:Ping|};
                Action qualified = {|RCA013:Api.Ping|};
                var load = new Func<int, int>({|RCA013:this.Load|});
                users.ConvertAll<int>({|RCA013:Load|});
                var cast = (Action){|RCA013:Ping|};
            }
        }
        """, """
        using System;
        using System.Collections.Generic;
        using RedisCell.Aspects;

        public class Api
        {
            [RatePerSecond(10)]
            public static void Ping() { }

            [Throttle("user:{userId}", 15, 30, 60)]
            public int Load(int userId) => userId;

            public void Use(List<int> users)
            {
                Action a = () => Ping();
                Action qualified = () => Api.Ping();
                var load = new Func<int, int>(userId => this.Load(userId));
                users.ConvertAll<int>(userId => Load(userId));
                var cast = (Action)(() => Ping());
            }
        }
        """);

    /// <summary>With <c>var</c> the lambda has to give its delegate type: its parameters are typed.</summary>
    [Fact]
    public Task A_method_group_typed_by_var_gets_typed_parameters() => VerifyFixAsync("""
        using System;
        using RedisCell.Aspects;

        public class Api
        {
            [Throttle("user:{userId}", 15, 30, 60)]
            public string? Load(int userId, string? region) => region;

            public void Use()
            {
                var load = {|RCA013:Load|};
                Delegate boxed = {|RCA013:Load|};
            }
        }
        """, """
        using System;
        using RedisCell.Aspects;

        public class Api
        {
            [Throttle("user:{userId}", 15, 30, 60)]
            public string? Load(int userId, string? region) => region;

            public void Use()
            {
                var load = (int userId, string? region) => Load(userId, region);
                Delegate boxed = (int userId, string? region) => Load(userId, region);
            }
        }
        """);

    [Fact]
    public Task Extension_generic_and_interface_method_groups_keep_their_receiver_and_type_arguments() => VerifyFixAsync("""
        using System;
        using RedisCell.Aspects;

        public interface IOrders
        {
            [Gcra(5, 10, 60)]
            int Count();
        }

        public static class Ext
        {
            [RatePerSecond(10)]
            public static T Echo<T>(this T value) => value;

            public static void Use(string text, IOrders orders)
            {
                Func<string> bound = {|RCA013:text.Echo|};
                Func<int, int> open = {|RCA013:Echo<int>|};
                Func<long, long> inferred = {|RCA013:Ext.Echo|};
                Func<int> count = {|RCA013:orders.Count|};
            }
        }
        """, """
        using System;
        using RedisCell.Aspects;

        public interface IOrders
        {
            [Gcra(5, 10, 60)]
            int Count();
        }

        public static class Ext
        {
            [RatePerSecond(10)]
            public static T Echo<T>(this T value) => value;

            public static void Use(string text, IOrders orders)
            {
                Func<string> bound = () => text.Echo();
                Func<int, int> open = value => Echo<int>(value);
                Func<long, long> inferred = value => Ext.Echo(value);
                Func<int> count = () => orders.Count();
            }
        }
        """);

    [Fact]
    public Task Ref_out_and_in_parameters_are_typed_and_passed_with_their_modifiers() => VerifyFixAsync("""
        using RedisCell.Aspects;

        public delegate void Bumper(ref int value, in long step);
        public delegate bool Parser(string text, out int value);

        public static class Api
        {
            [RatePerSecond(10)]
            public static void Bump(ref int value, in long step) => value += (int)step;

            [RatePerSecond(10)]
            public static bool TryParse(string text, out int value) => int.TryParse(text, out value);

            public static void Use()
            {
                Bumper bump = {|RCA013:Bump|};
                Parser parse = {|RCA013:Api.TryParse|};
            }
        }
        """, """
        using RedisCell.Aspects;

        public delegate void Bumper(ref int value, in long step);
        public delegate bool Parser(string text, out int value);

        public static class Api
        {
            [RatePerSecond(10)]
            public static void Bump(ref int value, in long step) => value += (int)step;

            [RatePerSecond(10)]
            public static bool TryParse(string text, out int value) => int.TryParse(text, out value);

            public static void Use()
            {
                Bumper bump = (ref int value, in long step) => Bump(ref value, in step);
                Parser parse = (string text, out int value) => Api.TryParse(text, out value);
            }
        }
        """);

    /// <summary>A lambda parameter named as the receiver, or as the method, would hide it from the call.</summary>
    [Fact]
    public Task Parameters_are_renamed_rather_than_hide_a_name_the_call_uses() => VerifyFixAsync("""
        using System;
        using RedisCell.Aspects;

        public class Accounts
        {
            [Throttle("a:{accounts}", 15, 30, 60)]
            public int Load(int accounts) => accounts;

            [RatePerSecond(10)]
            public static int Find(int Find, int @event) => Find;

            public static void Use(Accounts accounts)
            {
                Func<int, int> load = {|RCA013:accounts.Load|};
                Func<int, int, int> find = {|RCA013:Find|};
            }
        }
        """, """
        using System;
        using RedisCell.Aspects;

        public class Accounts
        {
            [Throttle("a:{accounts}", 15, 30, 60)]
            public int Load(int accounts) => accounts;

            [RatePerSecond(10)]
            public static int Find(int Find, int @event) => Find;

            public static void Use(Accounts accounts)
            {
                Func<int, int> load = accounts1 => accounts.Load(accounts1);
                Func<int, int, int> find = (Find1, @event) => Find(Find1, @event);
            }
        }
        """);

    /// <summary>
    /// No lambda means the same: a function pointer, a by-ref return (left to the author), a receiver
    /// computed when the delegate is made, and a base call, which is not intercepted either.
    /// </summary>
    [Fact]
    public Task No_fix_where_a_lambda_would_not_mean_the_same()
    {
        const string Source = """
            using System;
            using RedisCell.Aspects;

            public delegate ref int Slot();

            public unsafe class Api
            {
                private static int s_slot;

                [RatePerSecond(10)]
                public static void Ping() { }

                [RatePerSecond(10)]
                public static ref int Reserve() => ref s_slot;

                [RatePerSecond(10)]
                public virtual int Count() => 1;

                public static Api Create() => new();

                public void Use()
                {
                    delegate*<void> pointer = &{|RCA013:Ping|};
                    Slot slot = {|RCA013:Reserve|};
                    Func<int> fresh = {|RCA013:Create().Count|};
                }
            }

            public class Derived : Api
            {
                public Func<int> Base() => {|RCA013:base.Count|};
            }
            """;
        return CodeFixVerifier<DelegateEscapesAnalyzer, MethodGroupToLambdaCodeFix>.VerifyAsync(Source, Source, allowUnsafe: true);
    }
}
