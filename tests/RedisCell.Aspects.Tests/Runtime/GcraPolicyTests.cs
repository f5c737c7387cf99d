namespace RedisCell.Aspects.Tests.Runtime;

public sealed class GcraPolicyTests
{
    [Fact]
    public void EmissionIntervalIsExactNanoseconds()
    {
        var policy = new GcraPolicy(maxBurst: 3, count: 3, periodSeconds: 1);
        Assert.Equal(333_333_333, policy.EmissionIntervalNanoseconds);
        Assert.Equal(333_333_333L * 4, policy.DelayVariationToleranceNanoseconds);
        Assert.Equal(4, policy.Limit);
        Assert.Equal("gcra(max_burst=3, count=3, period=1s)", policy.ToString());
    }

    [Theory]
    [InlineData(-1, 10, 60, "maxBurst")]
    [InlineData(long.MinValue, 10, 60, "maxBurst")]
    [InlineData(0, 0, 60, "count")]
    [InlineData(0, -5, 60, "count")]
    [InlineData(0, 10, 0, "periodSeconds")]
    [InlineData(0, 10, -1, "periodSeconds")]
    [InlineData(0, 10, long.MaxValue, "periodSeconds")]
    [InlineData(0, 2_000_000, 1, "count")] // 0.5 µs between requests
    [InlineData(GcraPolicy.MaxBurstLimit, 1, 60, "maxBurst")] // tolerance overflows 63 bits
    [InlineData(9_000_000_000L, 1, 86_400, "maxBurst")]
    public void RejectsWhatTheModuleWouldGetWrong(long maxBurst, long count, long period, string parameter)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new GcraPolicy(maxBurst, count, period));
        Assert.Equal(parameter, ex.ParamName);
        Assert.NotNull(GcraPolicy.Check(maxBurst, count, period));
    }

    [Fact]
    public void AcceptsTheLargestToleranceThatFits()
    {
        // T = 1 µs; max_burst chosen so that T * (max_burst + 1) is just below 2^63 ns.
        long maxBurst = (long.MaxValue / 1000) - 1;
        Assert.Throws<ArgumentOutOfRangeException>(() => new GcraPolicy(maxBurst, 1_000_000, 1)); // above 2^53 - 2
        var policy = new GcraPolicy(GcraPolicy.MaxBurstLimit, 1_000_000, 1);
        Assert.Equal(1000, policy.EmissionIntervalNanoseconds);
        Assert.Null(GcraPolicy.Check(0, 1, GcraPolicy.MaxPeriodSeconds));
    }

    [Fact]
    public void RulesRejectBadArgumentsBeforeAnyIo()
    {
        var policy = new GcraPolicy(1, 1, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimitRule(policy, "k", -1));
        Assert.Throws<ArgumentNullException>(() => new RateLimitRule(policy, null!));
        Assert.Throws<ArgumentException>(() => new RateLimitRule(policy, ""));
        Assert.Throws<ArgumentNullException>(() => new RateLimitRule(null!, "k"));

        using var limiter = new InProcessCellLimiter();
        Assert.Throws<ArgumentException>(() => limiter.Check(default(RateLimitRule)));
        Assert.Throws<ArgumentException>(() => limiter.Check(ReadOnlySpan<RateLimitRule>.Empty));
    }

    [Theory]
    [InlineData(0, "00:00:01")]
    [InlineData(-1, "00:00:01")]
    public void FixedWindowRejectsNonPositiveLimits(long limit, string window)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FixedWindowPolicy(limit, TimeSpan.Parse(window)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1000)]
    [InlineData(0.5)]
    public void FixedWindowRejectsWindowsThatAreNotWholeMilliseconds(double milliseconds)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FixedWindowPolicy(10, TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Fact]
    public void ReplySecondsRoundLikeTheModule()
    {
        Assert.Equal(2, GcraArithmetic.ReplySeconds(2_000_500_000)); // 2.0005 s
        Assert.Equal(3, GcraArithmetic.ReplySeconds(2_001_000_000)); // 2.001 s
        Assert.Equal(-1, GcraArithmetic.ReplySeconds(-1_000_000_000));
        Assert.Equal(0, GcraArithmetic.ReplySeconds(-300_000));
        Assert.Equal(0, GcraArithmetic.ReplySeconds(999_999));
        Assert.Equal(1, GcraArithmetic.ReplySeconds(1_000_000));
    }
}
