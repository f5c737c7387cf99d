using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Runtime;

/// <summary>Replies read into results with no server: the shapes batch.lua, multi.lua and CL.THROTTLE answer.</summary>
public sealed class ReplyReaderTests
{
    private const long Second = 1_000_000_000L;
    private static readonly GcraPolicy Gcra = new(2, 10, 60); // T = 6 s, limit 3
    private static readonly RateLimitRule GcraRule = new(Gcra, "k");
    private static readonly RateLimitRule WindowRule = new(FixedWindowPolicy.PerSecond(5), "w");
    private static readonly ScriptCall ScriptSingle = new(RedisScript.Batch, ["k"], []);
    private static readonly ScriptCall ModuleSingle = new(RedisScript.Batch, ["k"], [], byModule: true);

    [Fact]
    public void AnAllowedGcraEntryIsNanoseconds()
    {
        RateLimitResult result = ReplyReader.ReadSingle(ScriptSingle, GcraRule, Reply(2, -Second, 6 * Second + 1), out bool gone);
        Assert.False(gone);
        Assert.True(result.Allowed);
        Assert.Equal((3, 2), (result.Limit, result.Remaining));
        Assert.Equal(TimeSpan.FromTicks((6 * Second + 1 + 99) / 100), result.ResetAfter);
    }

    [Fact]
    public void ALimitedEntryCarriesRemainingInItsSign()
    {
        RateLimitResult result = ReplyReader.ReadSingle(ScriptSingle, GcraRule, Reply(-1, 2 * Second, 18 * Second), out _);
        Assert.True(result.Limited);
        Assert.Equal(0, result.Remaining);
        Assert.Equal(TimeSpan.FromSeconds(2), result.RetryAfter);
        Assert.Equal(new CellThrottleReply(1, 3, 0, 2, 18), result.ToCellReply());
    }

    [Fact]
    public void AWindowEntryIsMilliseconds()
    {
        RateLimitResult result = ReplyReader.ReadSingle(ScriptSingle, WindowRule, Reply(-1, 400, 400), out _);
        Assert.True(result.Limited);
        Assert.Equal(TimeSpan.FromMilliseconds(400), result.RetryAfter);
    }

    [Fact]
    public void ADurationBeyondADoubleComesAsDigitsAndIsReadExactly()
    {
        var values = new[] { RedisResult.Create((RedisValue)0), RedisResult.Create((RedisValue)(-Second)), RedisResult.Create((RedisValue)"9007199254740993") };
        RateLimitResult result = ReplyReader.ReadSingle(ScriptSingle, GcraRule, RedisResult.Create(values), out _);
        Assert.Equal(TimeSpan.FromTicks((9007199254740993 + 99) / 100), result.ResetAfter);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("99999999999999999999")]
    [InlineData("")]
    public void ADurationThatIsNotA64BitIntegerIsAnErrorAboutTheKey(string duration)
    {
        var values = new[] { RedisResult.Create((RedisValue)0), RedisResult.Create((RedisValue)(-Second)), RedisResult.Create((RedisValue)duration) };
        var error = Assert.Throws<RedisCellException>(() => ReplyReader.ReadSingle(ScriptSingle, GcraRule, RedisResult.Create(values), out _));
        Assert.Equal("k", error.Key);
    }

    [Fact]
    public void ADecisionsOwnErrorFailsThatDecisionOnly()
    {
        var entries = new[]
        {
            RedisResult.Create((RedisValue)"WRONGTYPE key k holds a value that is not a string"), RedisResult.Create((RedisValue)0), RedisResult.Create((RedisValue)0),
            RedisResult.Create((RedisValue)1), RedisResult.Create((RedisValue)(-Second)), RedisResult.Create((RedisValue)Second),
        };
        Assert.False(ReplyReader.TryReadEntry(entries, 0, byModule: false, GcraRule, out _, out _, out _, out _, out RedisCellException? error));
        Assert.Contains("WRONGTYPE", error!.Message);
        Assert.True(ReplyReader.TryReadEntry(entries, 1, byModule: false, GcraRule, out long state, out _, out _, out _, out _));
        Assert.Equal(1, state);
    }

    [Fact]
    public void TheWrongNumberOfValuesIsAnError() =>
        Assert.Throws<RedisCellException>(() => ReplyReader.ReadSingle(ScriptSingle, GcraRule, Reply(1, 2), out _));

    [Fact]
    public void AModuleDecisionsDurationsComeFromItsTatWithinTheSecondsItReplied()
    {
        // Refused at now = 1000 s with the TAT 18 s ahead: retry when now reaches tat + T - DVT = now + 6 s.
        const long nowUs = 1_000_000_000;
        string tat = ((nowUs * 1000) + (18 * Second)).ToString();
        var values = new[] { RedisResult.Create((RedisValue)(-1)), RedisResult.Create((RedisValue)tat), RedisResult.Create((RedisValue)nowUs), RedisResult.Create((RedisValue)6), RedisResult.Create((RedisValue)18) };
        RateLimitResult result = ReplyReader.ReadSingle(ModuleSingle, GcraRule, RedisResult.Create(values), out bool gone);
        Assert.False(gone);
        Assert.Equal(TimeSpan.FromSeconds(6), result.RetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(18), result.ResetAfter);
        Assert.Equal(new CellThrottleReply(1, 3, 0, 6, 18), result.ToCellReply());
    }

    [Fact]
    public void AModuleDecisionTheScriptMadeBecauseTheModuleIsGoneSaysSo()
    {
        var values = new[] { RedisResult.Create((RedisValue)2), RedisResult.Create((RedisValue)(-Second)), RedisResult.Create((RedisValue)(6 * Second)), RedisResult.Create((RedisValue)"s"), RedisResult.Create((RedisValue)0) };
        RateLimitResult result = ReplyReader.ReadSingle(ModuleSingle, GcraRule, RedisResult.Create(values), out bool gone);
        Assert.True(gone);
        Assert.Equal(2, result.Remaining);
    }

    [Fact]
    public void TheBareCommandsWholeSecondsAreTakenAsTheirLastNanosecond()
    {
        var direct = ScriptCall.ForModuleCommand(GcraRule);
        RateLimitResult result = ReplyReader.ReadSingle(direct, GcraRule, Reply(1, 3, 0, 3, 5), out _);
        Assert.True(result.Limited);
        Assert.Equal(TimeSpan.FromTicks((GcraArithmetic.LastNanosecondOf(3) + 99) / 100), result.RetryAfter);
        Assert.Equal(new CellThrottleReply(1, 3, 0, 3, 5), result.ToCellReply());
    }

    [Fact]
    public void SeveralRulesAnswerTheMostBindingOne()
    {
        RedisResult gcra = Reply(0, 3, 1, -1, 12, -1, 0, 12, 0);
        RedisResult window = Reply(1, 5, 0, 400, 400);
        RateLimitResult result = ReplyReader.ReadMany([GcraRule, WindowRule], RedisResult.Create([gcra, window]));
        Assert.Same(WindowRule.Policy, result.Rule.Policy);
        Assert.True(result.Limited);
    }

    private static RedisResult Reply(params long[] values) =>
        RedisResult.Create(values.Select(v => RedisResult.Create((RedisValue)v)).ToArray());
}
