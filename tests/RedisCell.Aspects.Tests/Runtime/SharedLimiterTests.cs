namespace RedisCell.Aspects.Tests.Runtime;

/// <summary>The registry: the default limiter and named ones. What the environment configures: <see cref="EnvironmentLimiterTests"/>.</summary>
public sealed class SharedLimiterTests
{
    [Fact]
    public void ConfigureReplacesTheDefaultLimiterAndReturnsThePreviousOne()
    {
        using var mine = new InProcessCellLimiter();
        CellLimiter? previous = SharedLimiter.Configure(mine);
        try
        {
            Assert.Same(mine, SharedLimiter.Current);
        }
        finally
        {
            if (previous is not null) SharedLimiter.Configure(previous);
        }
    }

    [Fact]
    public void NamedLimitersAreKeptApartFromTheDefault()
    {
        using var billing = new InProcessCellLimiter();
        Assert.Null(SharedLimiter.Configure("billing", billing));
        Assert.Same(billing, SharedLimiter.Get("billing"));
        Assert.Same(SharedLimiter.Current, SharedLimiter.Get(null));
        Assert.Same(SharedLimiter.Current, SharedLimiter.Get(""));
        var missing = Assert.Throws<InvalidOperationException>(() => SharedLimiter.Get("nope"));
        Assert.Contains("SharedLimiter.Configure(\"nope\"", missing.Message);
    }
}
