using System.Collections.Generic;
using RedisCell.Aspects;

namespace Shop;

public sealed class Repository<TEntity>
    where TEntity : class, new()
{
    public sealed class Page<TKey>
        where TKey : notnull
    {
        [Throttle("page:{key}", 5, 10, 1)]
        public List<TEntity> Load<TFilter>(TKey key, TFilter filter) => new() { new TEntity() };
    }

    [Gcra(5, 10, 1)]
    public TEntity Create() => new();
}

public sealed class Product
{
}

public static class Caller
{
    public static int Run()
    {
        var repository = new Repository<Product>();
        _ = repository.Create();
        return new Repository<Product>.Page<int>().Load(1, "filter").Count;
    }
}
