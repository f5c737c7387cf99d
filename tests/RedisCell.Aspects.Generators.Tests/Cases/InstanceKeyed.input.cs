using RedisCell.Aspects;

namespace Shop;

public sealed class Accounts
{
    [Throttle("user:{userId}", 15, 30, 60)]
    public string Get(int userId) => "user" + userId;
}

public static class Caller
{
    public static string Run(Accounts accounts) => accounts.Get(7);
}
