using RedisCell.Aspects;

namespace Shop;

public static class TextExtensions
{
    [Throttle("shout:{text}", 5, 10, 1)]
    public static string Shout(this string text, int times) => text.ToUpperInvariant() + new string('!', times);
}

public static class Caller
{
    public static string Run() => "hi".Shout(2) + TextExtensions.Shout("static", 1);
}
