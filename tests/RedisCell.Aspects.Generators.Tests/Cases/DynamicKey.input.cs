using RedisCell.Aspects;

namespace Shop;

// A dynamic value is written into the key as an object: a dynamic call cannot take the key
// builder (a ref struct, CS9230). RCA018 warns that the run-time type decides the text.
public class Holder
{
    public dynamic Payload { get; set; } = 0;
}

public static class Dynamics
{
    [Throttle("d:{d}", 1, 1, 1)]
    public static void Dyn(dynamic d) { }

    [Throttle("h:{holder.Payload}", 1, 1, 1)]
    public static void Held(Holder holder) { }
}

public static class Caller
{
    public static void Run()
    {
        Dynamics.Dyn((object)1);
        Dynamics.Held(new Holder());
    }
}
