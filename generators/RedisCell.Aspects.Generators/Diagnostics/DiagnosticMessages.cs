using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace RedisCell.Aspects.Generators.Diagnostics;

/// <summary>
/// The sentences that fill the holes of <see cref="DiagnosticDescriptors"/>' message formats, so that
/// every text a user reads is in this folder; report sites pass only names, types and numbers.
/// Each text is phrased to follow the words before its hole.
/// </summary>
/// <remarks>
/// RCA001's reason is not here: it is the message of the runtime's own <c>GcraPolicy.Check</c> and
/// <c>FixedWindowPolicy.Check</c> (linked into this project), so the build and the running limiter
/// refuse the same numbers in the same words.
/// </remarks>
internal static class DiagnosticMessages
{
    /// <summary>RCA002: the template has no text at all.</summary>
    public const string KeyEmpty = "a key cannot be empty";

    /// <summary>RCA002: a '{' without its '}'.</summary>
    public static string BraceNeverClosed(int position) => $"the '{{' at position {position} is never closed; write '{{{{' for a literal brace";

    /// <summary>RCA002: a '}' that ends no hole.</summary>
    public static string BraceClosesNothing(int position) => $"the '}}' at position {position} closes nothing; write '}}}}' for a literal brace";

    /// <summary>RCA002: a hole whose path is wrong, <paramref name="problem"/> being <see cref="HoleEmpty"/> or <see cref="NotAnIdentifier"/>.</summary>
    public static string HoleMalformed(string path, int position, string problem) => $"'{{{path}}}' at position {position}: {problem}";

    /// <summary>RCA002, inside <see cref="HoleMalformed"/>.</summary>
    public const string HoleEmpty = "a hole needs a parameter name";

    /// <summary>RCA002, inside <see cref="HoleMalformed"/>.</summary>
    public static string NotAnIdentifier(string part) => $"'{part}' is not an identifier";

    /// <summary>RCA003: the closest parameter names (<c>ClosestName</c>), or nothing when none is close.</summary>
    public static string DidYouMean(IReadOnlyList<string> names) => names.Count switch
    {
        0 => "",
        1 => $"; did you mean '{names[0]}'?",
        _ => $"; did you mean {string.Join(", ", names.Take(names.Count - 1).Select(n => $"'{n}'"))} or '{names[names.Count - 1]}'?",
    };

    /// <summary>RCA005: a hole names an out parameter.</summary>
    public const string KeyValueIsOut = "is an out parameter, unassigned before the call";

    /// <summary>RCA005.</summary>
    public const string KeyValueIsPointer = "is a pointer";

    /// <summary>RCA005.</summary>
    public const string KeyValueIsRefStruct = "is a ref struct; only ReadOnlySpan<char> and Span<char> can be written into a key";

    /// <summary>RCA005: a type parameter with 'allows ref struct'.</summary>
    public const string KeyValueMayBeRefStruct = "may be a ref struct ('allows ref struct'); only ReadOnlySpan<char> and Span<char> can be written into a key";

    /// <summary>RCA006.</summary>
    public const string QuantityNamesNoParameter = "names no parameter of the method";

    /// <summary>RCA006.</summary>
    public const string QuantityNamesOut = "names an out parameter, unassigned before the call";

    /// <summary>RCA006.</summary>
    public static string QuantityNotInteger(string parameter, string type) => $"names '{parameter}' of type '{type}', which is not an integer type";

    /// <summary>RCA007: the attribute is on the part with the body.</summary>
    public static string AttributeOnPartialImplementation(string method) =>
        "the attribute is on the implementation of a partial method, which the generator cannot replace; "
        + $"for partial mode put it on the declaration without a body, delete this implementation and move its body into '{method}Core'";

    /// <summary>RCA007: partial mode, but the user wrote the implementation part.</summary>
    public static string PartialAlreadyImplemented(string method) =>
        "it already has a hand-written implementation part; remove it and put the body in '" + method + "Core'";

    /// <summary>RCA007.</summary>
    public static string AsyncVoid(string method) =>
        "async void methods cannot be awaited, so the limiter could only block the calling thread, and as event handlers they are called through delegates, which are not intercepted; "
        + $"return Task, or use partial mode (a partial void method with the body in an async void '{method}Core')";

    /// <summary>RCA007.</summary>
    public const string LocalFunction = "calls to local functions cannot be intercepted; use a method";

    /// <summary>RCA007.</summary>
    public const string Lambda = "a lambda is only called through a delegate, which cannot be intercepted; put the attribute on a method and call it from the lambda";

    /// <summary>RCA007: a C# 14 extension block member.</summary>
    public const string ExtensionBlock = "it is declared in an extension block, whose members generated code cannot forward; declare it as a classic extension method (a static method with a 'this' parameter)";

    /// <summary>RCA007: operators, accessors, constructors and the like.</summary>
    public static string NotOrdinary(MethodKind kind) => "only ordinary methods can be rate limited, and this is " + (kind switch
    {
        MethodKind.UserDefinedOperator or MethodKind.Conversion => "an operator",
        MethodKind.PropertyGet or MethodKind.PropertySet => "a property accessor",
        MethodKind.EventAdd or MethodKind.EventRemove or MethodKind.EventRaise => "an event accessor",
        MethodKind.ExplicitInterfaceImplementation => "an explicit interface implementation",
        MethodKind.Constructor or MethodKind.StaticConstructor => "a constructor",
        MethodKind.Destructor => "a finalizer",
        _ => "a " + kind,
    });

    /// <summary>RCA007.</summary>
    public const string Vararg = "methods with __arglist cannot be forwarded";

    /// <summary>RCA007.</summary>
    public const string StaticVirtual = "static abstract and static virtual interface members are called through a type parameter, which an interceptor cannot forward";

    /// <summary>RCA007.</summary>
    public const string Pointers = "pointer types would need unsafe generated code";

    /// <summary>RCA007.</summary>
    public const string FileLocalType = "it is in a file-local type, which generated code in another file cannot name or extend";

    /// <summary>RCA007: partial mode on an interface member.</summary>
    public const string PartialModeInInterface = "partial mode needs a class or struct; put the attribute on the implementation";

    /// <summary>RCA008: the method's own accessibility, or the word inside <see cref="InHiddenType"/>.</summary>
    public static string Hidden(Accessibility accessibility) => accessibility switch
    {
        Accessibility.Private => "private",
        Accessibility.Protected => "protected",
        Accessibility.ProtectedAndInternal => "private protected",
        Accessibility.Internal => "internal to another assembly",
        _ => "not accessible",
    };

    /// <summary>RCA008: a containing type hides the method.</summary>
    public static string InHiddenType(Accessibility accessibility, string type) => $"in the {Hidden(accessibility)} type '{type}'";

    /// <summary>RCA008: a parameter or return type interceptors cannot name.</summary>
    public static string UsesHiddenType(string type) => $"using the type '{type}', which is not accessible outside its type";

    /// <summary>RCA009.</summary>
    public const string DispatchedDynamically = "it is dispatched dynamically at run time";

    /// <summary>RCA009.</summary>
    public const string BaseCall = "a 'base.' call cannot be intercepted; move the attribute to the override or use partial mode";

    /// <summary>RCA009: an interface member called on a type parameter that is not a class.</summary>
    public static string ReceiverMayBeStruct(string typeParameter) =>
        $"the receiver's type '{typeParameter}' may be a struct, which an interceptor would box, so changes the method makes to it would be lost; "
        + $"constrain '{typeParameter}' to 'class', or put the attribute on the struct's own method and call that";

    /// <summary>RCA009.</summary>
    public const string InExpressionTree = "calls inside an expression tree cannot be intercepted";

    /// <summary>RCA009: a referenced method rejected without a diagnostic to quote.</summary>
    public const string AttributesUnreadable = "its attributes cannot be read";

    /// <summary>RCA009: no interceptable location.</summary>
    public const string FormNotInterceptable = "the compiler cannot intercept this form of call";

    /// <summary>RCA014: what the method does to the unlimited member.</summary>
    public const string Overrides = "overrides";

    /// <summary>RCA014: what the method does to the unlimited member.</summary>
    public const string Implements = "implements";

    private const string SharedKey = "so all callers share one key";

    /// <summary>RCA018: object, ValueType, dynamic and non-collection interfaces.</summary>
    public const string ValueOfRuntimeType = "is written with the ToString of whatever type the value has at run time; most types write their type name, " + SharedKey;

    /// <summary>RCA018.</summary>
    public const string ValueIsDelegate = "is a delegate, whose text is its type name, " + SharedKey;

    /// <summary>RCA018.</summary>
    public const string ValueIsArray = "is an array, whose text is its type name, not its items, " + SharedKey;

    /// <summary>RCA018.</summary>
    public const string ValueIsCollection = "is a collection, whose text is its type name, not its items, " + SharedKey;

    /// <summary>RCA018.</summary>
    public const string ValueHasNoToString = "does not override ToString, so every value writes the type name and all callers share one key";

    /// <summary>RCA018: a record with the compiler's ToString.</summary>
    public const string ValueIsRecord = "is a record whose generated ToString writes every property: the key changes whenever the record gains a member and carries values that do not belong in a key; name the member that identifies the caller";

    /// <summary>RCA020.</summary>
    public const string CoreIsStatic = "it is static, expected an instance method";

    /// <summary>RCA020.</summary>
    public const string CoreIsInstance = "it is an instance method, expected a static one";

    /// <summary>RCA020.</summary>
    public static string CoreTypeParameterCount(int actual, int expected) => $"it has {Count(actual, "type parameter")}, expected {expected}";

    /// <summary>RCA020.</summary>
    public static string CoreConstraintDiffers(string typeParameter, string actual, string expected) =>
        $"type parameter '{typeParameter}' is constrained '{actual}', expected '{expected}'";

    /// <summary>RCA020, inside <see cref="CoreConstraintDiffers"/>.</summary>
    public const string NoConstraints = "no constraints";

    /// <summary>RCA020.</summary>
    public static string CoreParameterCount(int actual, int expected) => $"it has {Count(actual, "parameter")}, expected {expected}";

    /// <summary>RCA020: <paramref name="number"/> counts from 1.</summary>
    public static string CoreParameterDiffers(int number, string actual, string expected) => $"parameter {number} is '{actual}', expected '{expected}'";

    /// <summary>RCA020.</summary>
    public static string CoreReturnDiffers(string actual, string expected) => $"it returns '{actual}', expected '{expected}'";

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    /// <summary>RCA021: the other attribute is on the reported method.</summary>
    public static string OnSameMethod(string attribute) => $"[{attribute}] on the same method";

    /// <summary>RCA021: the other attribute is on another method.</summary>
    public static string OnMethod(string attribute, string method) => $"[{attribute}] on '{method}'";

    /// <summary>RCA021: the attributes from <see cref="OnSameMethod"/> and <see cref="OnMethod"/>, as one list.</summary>
    public static string AndList(IReadOnlyList<string> parts) =>
        parts.Count == 1 ? parts[0] : string.Join(", ", parts.Take(parts.Count - 1)) + " and " + parts[parts.Count - 1];

    /// <summary>RCA021.</summary>
    public const string DifferentPolicy = "with a different policy; two policies on one key corrupt each other's state";

    /// <summary>RCA021: two attributes of one method with one key and one policy.</summary>
    public const string SameCall =
        "in the same call; the rules of one call are all decided from the state before it, so a fixed window counts the call twice and GCRA keeps only the last rule's charge: keep one of them";

    /// <summary>RCA022: the limiters' names, "" standing for the default one.</summary>
    public static string Limiters(IEnumerable<string> names) =>
        string.Join(", ", names.Select(l => l.Length == 0 ? "the default limiter" : "\"" + l + "\""));

    /// <summary>RCA023.</summary>
    public static string StructReceiver(string type) => $"it is a member of the struct '{type}', whose receiver is passed by reference";

    /// <summary>RCA023: <paramref name="modifier"/> is ref, out or ref readonly.</summary>
    public static string PassedByReference(string parameter, string modifier) => $"parameter '{parameter}' is passed by '{modifier}'";

    /// <summary>RCA023.</summary>
    public static string RefStructParameter(string parameter, string type) => $"parameter '{parameter}' is of the ref struct type '{type}'";

    /// <summary>RCA023.</summary>
    public static string AllowsRefStructParameter(string parameter, string type) => $"parameter '{parameter}' is of type '{type}', which allows ref structs";

    /// <summary>RCA023: every reason from <see cref="StructReceiver"/> to <see cref="AllowsRefStructParameter"/>, in one message.</summary>
    public static string Reasons(IEnumerable<string> reasons) => string.Join("; ", reasons);
}
