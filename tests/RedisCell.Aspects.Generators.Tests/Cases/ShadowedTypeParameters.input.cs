using System.Collections.Generic;
using System.Threading.Tasks;
using RedisCell.Aspects;

namespace Shop;

// A method type parameter with its type's name (CS0693 is only a warning): the interceptor
// declares both, so the method's is renamed.
#pragma warning disable CS0693
public class Shadow<T>
{
    [RatePerSecond(10)]
    public T Same<T>(T x, List<T> all) where T : notnull => x;

    [RatePerSecond(10)]
    public Task<T> SameAsync<T, T1>(T x, T1 y) where T1 : IComparer<T> => Task.FromResult(x);
}
#pragma warning restore CS0693

public static class Caller
{
    public static async Task<int> Run() =>
        new Shadow<string>().Same(1, new List<int>()) + await new Shadow<string>().SameAsync(2, Comparer<int>.Default);
}
