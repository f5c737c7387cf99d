using RedisCell.Aspects;

namespace InterceptorsOff;

public static class Api
{
    [Gcra(15, 30, 60)]
    public static void Limited() { }

    // RCA019: this call cannot be intercepted, because interceptors are not enabled for RedisCell.Aspects.Generated.
    public static void Caller() => Limited();
}
