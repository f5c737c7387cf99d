using System;
using System.Linq.Expressions;
using RedisCell.Aspects;

namespace Shop;

public class Service
{
    [Gcra(5, 10, 1)]
    private void Hidden() { }

    [Gcra(5, 10, 1)]
    protected virtual int Guarded() => 1;

    [Gcra(5, 10, 1)]
    public virtual int Visible() => 1;

    [Gcra(5, 10, 1)]
    public int Echo(int value) => value;

    public void UseHidden() => Hidden();

    private sealed class Nested
    {
        [Gcra(5, 10, 1)]
        public void Inside() { }
    }
}

public sealed class Derived : Service
{
    public override int Visible() => base.Visible() + 1;
}

public static class Caller
{
    public static Expression<Func<Service, int>> Tree() => s => s.Visible();

    public static void Dynamic(dynamic value) => new Service().Echo(value);
}
