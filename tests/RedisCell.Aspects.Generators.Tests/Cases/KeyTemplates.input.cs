using System;
using RedisCell.Aspects;

namespace Shop;

public sealed class Tenant
{
    public string Name { get; init; } = "";
    public Region? Region { get; init; }
    public Guid Id;
}

public sealed class Region
{
    public int? Code { get; init; }
}

public static class Keys
{
    // Member chains, the <param> alias, and literal braces making a Redis Cluster hash tag.
    [Throttle("{{tenant:{tenant.Name}}}:region:<tenant.Region.Code>:id:{tenant.Id}", 5, 10, 1)]
    public static void Members(Tenant tenant)
    {
    }

    // Nullable values, a keyword-named parameter, and a span.
    [Throttle("n:{count}:c:{@class}:s:{text}", 5, 10, 1)]
    public static void Values(int? count, string @class, ReadOnlySpan<char> text)
    {
    }

    [Gcra(5, 10, 1, Key = "shared:global")]
    public static void Constant()
    {
    }
}

public static class Caller
{
    public static void Run()
    {
        Keys.Members(new Tenant { Name = "acme" });
        Keys.Values(1, "c", "t".AsSpan());
        Keys.Constant();
    }
}
