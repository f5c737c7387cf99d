extern alias Generators;

using Generators::RedisCell.Aspects.Generators.Analyzers;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;

namespace RedisCell.Aspects.Analyzers.Tests.Escapes;

public sealed class RCA013DelegateEscapesTests
{
    private static Task VerifyAsync(string source) => AnalyzerVerifier<DelegateEscapesAnalyzer>.VerifyAsync(source);

    [Fact]
    public Task Method_group_conversions_escape() => VerifyAsync("""
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
                var natural = {|RCA013:Api.Ping|};
                users.ForEach(new Action<int>(id => Load(id)));
                var load = new Func<int, int>({|RCA013:this.Load|});
                users.ConvertAll<int>({|RCA013:Load|});
            }
        }
        """);

    [Fact]
    public Task Generic_and_extension_method_groups_escape() => VerifyAsync("""
        using System;
        using RedisCell.Aspects;

        public static class Ext
        {
            [RatePerSecond(10)]
            public static T Echo<T>(this T value) => value;

            public static void Use(string text)
            {
                Func<string> bound = {|RCA013:text.Echo|};
                Func<int, int> open = {|RCA013:Echo<int>|};
            }
        }
        """);

    [Fact]
    public Task Function_pointer_escapes() => AnalyzerVerifier<DelegateEscapesAnalyzer>.VerifyUnsafeAsync("""
        using RedisCell.Aspects;

        public static unsafe class Api
        {
            [RatePerSecond(10)]
            public static void Ping() { }

            public static void Use()
            {
                delegate*<void> pointer = &{|RCA013:Ping|};
                pointer();
            }
        }
        """);

    [Fact]
    public Task Interface_member_with_the_attribute_escapes_as_a_method_group() => VerifyAsync("""
        using System;
        using RedisCell.Aspects;

        public interface IOrders
        {
            [Gcra(5, 10, 60)]
            int Count();
        }

        public static class Use
        {
            public static Func<int> Of(IOrders orders) => {|RCA013:orders.Count|};
        }
        """);

    [Fact]
    public Task Calls_lambdas_and_nameof_do_not_escape() => VerifyAsync("""
        using System;
        using System.Linq.Expressions;
        using RedisCell.Aspects;

        public class Api
        {
            [RatePerSecond(10)]
            public static void Ping() { }

            public static void Plain() { }

            public void Use()
            {
                Ping();
                Action wrapped = () => Ping();
                Action unlimited = Plain;
                string name = nameof(Ping);
                Expression<Action> tree = () => Ping();
            }
        }
        """);

    [Fact]
    public Task Partial_mode_method_groups_are_limited_by_their_own_body() => VerifyAsync("""
        using System;
        using RedisCell.Aspects;

        public partial class Api
        {
            [RatePerSecond(10)]
            public partial void Ping();

            public partial void Ping() => PingCore();

            private void PingCore() { }

            public Action Use() => Ping;
        }
        """);
}
