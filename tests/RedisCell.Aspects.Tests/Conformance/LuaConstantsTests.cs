using System.Globalization;
using System.Text.RegularExpressions;

namespace RedisCell.Aspects.Tests.Conformance;

/// <summary>
/// Limits are defined once, in C#; the scripts repeat them as Lua literals. Every named constant of
/// the shipped scripts is either the C# constant it must equal or one that only Lua has, so a limit
/// changed on one side only fails here.
/// </summary>
public sealed partial class LuaConstantsTests
{
    // Lua constants with a C# counterpart: script, name, the value C# uses.
    public static TheoryData<string, string, string> Shared => new()
    {
        { "cl_throttle.lua", "MAX_SAFE", GcraPolicy.MaxCount.ToString(CultureInfo.InvariantCulture) },
        { "cl_throttle.lua", "MAX_BURST", GcraPolicy.MaxBurstLimit.ToString(CultureInfo.InvariantCulture) },
        { "cl_throttle.lua", "MAX_PERIOD_S", GcraPolicy.MaxPeriodSeconds.ToString(CultureInfo.InvariantCulture) },
        { "cl_throttle.lua", "MAX_TAT", "'" + long.MaxValue.ToString(CultureInfo.InvariantCulture) + "'" },
        { "fixed_window.lua", "WINDOW_MAX_COUNT", FixedWindowPolicy.MaxLimit.ToString(CultureInfo.InvariantCulture) },
    };

    // Lua constants with no C# counterpart, and why.
    private static readonly Dictionary<string, string> s_luaOnly = new()
    {
        ["E9"] = "nanoseconds per second, a unit",
        ["NEAR"] = "2^52 ns, where doubles stop being exact; the C# twin's 64-bit reach is 2^61",
        ["TYPE_PROBE"] = "whether the engine is Garnet's Lua 5.4, which C# never needs to know",
    };

    [Theory]
    [MemberData(nameof(Shared))]
    public void EachSharedLimitHasTheValueCSharpUses(string script, string name, string expected)
    {
        Assert.True(ConstantsOf(script).TryGetValue(name, out string? value), $"{script} no longer defines {name}");
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("cl_throttle.lua")]
    [InlineData("fixed_window.lua")]
    [InlineData("batch.lua")]
    [InlineData("multi.lua")]
    public void EveryNamedConstantIsAccountedFor(string script)
    {
        var shared = Shared.Select(row => (string)row[1]).ToHashSet();
        foreach (string name in ConstantsOf(script).Keys)
        {
            Assert.True(shared.Contains(name) || s_luaOnly.ContainsKey(name), $"{script} defines {name}: add it to Shared (with the C# constant it must equal) or to the Lua-only list (with why)");
        }
    }

    private static Dictionary<string, string> ConstantsOf(string script)
    {
        var constants = new Dictionary<string, string>();
        foreach (Match match in Constant().Matches(RedisScript.Load(script))) constants[match.Groups["name"].Value] = match.Groups["value"].Value;
        return constants;
    }

    // A top-level `local NAME = value`: upper-case names are the scripts' constants.
    [GeneratedRegex(@"^local (?<name>[A-Z][A-Z0-9_]*) = (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex Constant();
}
