using System;
using RedisCell.Aspects;

namespace Shop;

public static class Mapper
{
    [Gcra(10, 100, 1)]
    public static TOut Map<TIn, TOut>(TIn value, Func<TIn, TOut> map)
        where TIn : notnull
        where TOut : class?
        => map(value);

    [Throttle("cmp:{left}", 10, 100, 1)]
    public static int Compare<T>(T left, T right)
        where T : struct, IComparable<T>
        => left.CompareTo(right);
}

public static class Caller
{
    public static int Run<T>(T value)
        where T : struct, IComparable<T>
        => Mapper.Compare(value, value) + Mapper.Map(1, i => i.ToString()).Length;
}
