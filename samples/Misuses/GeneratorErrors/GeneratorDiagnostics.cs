using RedisCell.Aspects;

namespace Misuses;

// What the generator reports (RCA001–RCA008, RCA010–RCA012, RCA020, RCA022): misuse it cannot turn into working code.
public sealed class Order
{
    public int Id { get; init; }
}

internal static class GeneratorDiagnostics
{
    // RCA001: a negative burst.
    [Gcra(-1, 30, 60)]
    internal static void NegativeBurst() { }

    // RCA002: an unclosed brace.
    [Throttle("user:{userId", 15, 30, 60)]
    internal static void UnclosedBrace(int userId) { }

    // RCA003: 'userid' is not a parameter (the code fix offers 'userId').
    [Throttle("user:{userid}", 15, 30, 60)]
    internal static void MisspelledParameter(int userId) { }

    // RCA004: Order has no member 'Number'.
    [Throttle("order:{order.Number}", 15, 30, 60)]
    internal static void MissingMember(Order order) { }

    // RCA005: a ref struct other than a char span cannot be written into a key.
    [Throttle("data:{data}", 15, 30, 60)]
    internal static void RefStructInKey(Span<int> data) { }

    // RCA006: Cost names a string parameter.
    [TokenBudget("user:{userId}", 5000, Cost = nameof(tokens))]
    internal static void CostIsNotAnInteger(string userId, string tokens) { }

    // RCA007: async void cannot be awaited, and as an event handler it is called through a delegate, which is not intercepted.
    [Gcra(15, 30, 60)]
    internal static async void AsyncVoid() => await Task.Yield();

    public static void Callers()
    {
        NegativeBurst();
        AsyncVoid();
        new Hidden().Call();
    }
}

public static class Api
{
    // RCA022: one limiter decides a call's limits together; these name two.
    [Gcra(15, 30, 60, Limiter = "billing")]
    [RatePerSecond(100)]
    public static void TwoLimiters() { }
}

public class Hidden
{
    // RCA008: interceptors cannot call a private method; partial mode can limit it.
    [Gcra(15, 30, 60)]
    private void Secret() { }

    public void Call() => Secret();
}

public partial class PartialMistakes
{
    // RCA010: partial mode calls NoCoreCore, which does not exist.
    [Gcra(15, 30, 60)]
    public partial void NoCore();

    // RCA012: without an accessibility modifier a partial void method could lose its body silently.
    [Gcra(15, 30, 60)]
    partial void NoAccessibility();

    private void NoAccessibilityCore() { }

    // RCA020: the generated Resize calls ResizeCore(int), which takes a long here.
    [Gcra(15, 30, 60)]
    public partial void Resize(int size);

    private void ResizeCore(long size) { }
}

public class NotPartial
{
    // RCA011: the containing type must be partial.
    [Gcra(15, 30, 60)]
    public partial void Method();

    private void MethodCore() { }
}
