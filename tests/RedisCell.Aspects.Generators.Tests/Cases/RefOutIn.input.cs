using System;
using System.Threading.Tasks;
using RedisCell.Aspects;

namespace Shop;

public static class Parsing
{
    [Gcra(10, 100, 1)]
    public static bool TryParse(string text, out int value) => int.TryParse(text, out value);

    [Throttle("bump:{value}", 10, 100, 1)]
    public static void Bump(ref int value) => value++;

    [Gcra(10, 100, 1)]
    public static int Sum(in int a, ReadOnlySpan<int> rest) => a + rest.Length;

    [Gcra(10, 100, 1)]
    public static Task<int> LaterAsync(ref int value) => Task.FromResult(value);
}

public static class Caller
{
    public static async Task<int> Run()
    {
        int x = 1;
        Parsing.Bump(ref x);
        _ = Parsing.TryParse("2", out int y);
        int z = Parsing.Sum(in x, [1, 2]);
        return z + y + await Parsing.LaterAsync(ref x);
    }
}
