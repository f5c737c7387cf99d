using RedisCell.Aspects.TestServers;
using RedisCell.Aspects.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RedisCell.Aspects.Tests.Reliability;

/// <summary>
/// A wrong Redis address must not silently turn every limit off. In a process with no logging
/// configured (a console app with only REDIS_URL set), the library says on stderr, once, which
/// address, what failed and what calls do meanwhile, and once more when Redis answers again.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class UnloggedFailureTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ADeadPortIsSaidOnceOnStderrAndItsRecoveryOnce()
    {
        int port = FreePort.Next();
        RedisServerProcess? server = null;
        try
        {
            // The server starts well after the app's first calls: one that starts while a connect is under
            // way is waited for (up to the connect budget), which is another test's subject.
            FirstCallApp.Run run = await FirstCallApp.RunAsync(Guid.NewGuid().ToString("N"), calls: 100, pauseMs: 50, [("REDIS_URL", $"redis://127.0.0.1:{port}")], async () =>
            {
                await Task.Delay(3000);
                server = await RedisServerProcess.StartAsync(port);
            });
            output.WriteLine(run.Errors);
            output.WriteLine(run.Lines[^1]);
            Assert.Equal(0, run.ExitCode);
            string[] lines = run.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            string down = Assert.Single(lines, l => l.StartsWith("warn: RedisCell.Aspects: ", StringComparison.Ordinal));
            Assert.Contains($"Redis at 127.0.0.1:{port} could not decide", down);
            Assert.Contains("Connection refused", down);
            Assert.Contains("rate limits are NOT enforced (FailureMode.FailOpen)", down);
            string up = Assert.Single(lines, l => l.StartsWith("info: RedisCell.Aspects: ", StringComparison.Ordinal));
            Assert.Contains($"Redis at 127.0.0.1:{port} answers again", up);

            // Allowed while nothing answered; once Redis answered, one call a minute.
            Assert.Contains("limited", run.Lines);
        }
        finally
        {
            if (server is not null) await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task AWrongPasswordIsSaidOnStderrWithWhatFailed()
    {
        await using RedisServerProcess server = await RedisServerProcess.StartAsync(null, "--requirepass", "right");
        FirstCallApp.Run run = await FirstCallApp.RunAsync(Guid.NewGuid().ToString("N"), calls: 3, pauseMs: 0, [("REDIS_URL", $"redis://:wrong@127.0.0.1:{server.Port}")]);
        output.WriteLine(run.Errors);
        Assert.Equal(0, run.ExitCode);
        string down = Assert.Single(run.Errors.Split('\n'), l => l.StartsWith("warn: RedisCell.Aspects: ", StringComparison.Ordinal));
        Assert.Contains("refused the credentials", down);
        Assert.DoesNotContain("wrong", down); // never the password
        Assert.Equal(["allowed", "allowed", "allowed"], run.Lines[..3]);
    }

    [Fact]
    public async Task AValueThatIsNotARedisUrlStopsTheFirstCallNamingIt()
    {
        FirstCallApp.Run run = await FirstCallApp.RunAsync("x", calls: 1, pauseMs: 0, [("REDIS_URL", "http://localhost:6520")]);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("RedisCellException: REDIS_URL is not a Redis connection", run.Errors);
    }

    [Fact]
    public async Task AnExplicitConnectToAServerThatRefusesTheCredentialsThrows()
    {
        await using RedisServerProcess server = await RedisServerProcess.StartAsync(null, "--requirepass", "right");
        var refused = await Assert.ThrowsAsync<RedisCellException>(() => RedisCellLimiter.ConnectAsync($"redis://:wrong@127.0.0.1:{server.Port}"));
        Assert.Contains("refused the credentials", refused.Message);
        Assert.DoesNotContain("wrong", refused.Message);
    }

    [Fact]
    public async Task AnExplicitConnectToADeadPortReturnsAndItsDecisionsSayWhy()
    {
        int port = FreePort.Next();
        await using RedisCellLimiter limiter = await RedisCellLimiter.ConnectAsync($"127.0.0.1:{port}", new RedisCellOptions { Failure = { Mode = FailureMode.FailClosed } });
        var unavailable = Assert.Throws<RateLimiterUnavailableException>(() => limiter.Check(new RateLimitRule(new GcraPolicy(1, 1, 60), "k")));
        Assert.Contains($"127.0.0.1:{port}", unavailable.Message);
        Assert.Contains("Connection refused", unavailable.Message);
    }
}
