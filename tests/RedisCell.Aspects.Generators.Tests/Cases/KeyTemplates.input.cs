using System;
using RedisCell.Aspects;

namespace Shop;

public sealed class Tenant
{
    public string Name { get; init; } = "";
    public Region? Region { get; init; }
    public Guid Id;
    public Tier Tier { get; init; }
}

public enum Tier
{
    Free,
    Gold,
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

    // Enums, plain, nullable, through a member or as a struct-constrained type parameter: AppendEnum,
    // which formats them without boxing.
    [Throttle("tier:{tier}:{maybe}:{tenant.Tier}:{day}", 5, 10, 1)]
    public static void Enums<TDay>(Tier tier, Tier? maybe, Tenant tenant, TDay day)
        where TDay : struct, Enum
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
        Keys.Enums(Tier.Gold, null, new Tenant(), DayOfWeek.Monday);
        Keys.Constant();
    }
}
