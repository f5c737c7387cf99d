using Microsoft.CodeAnalysis;

namespace RedisCell.Aspects.Generators.Analyzers;

/// <summary>How the analyzers that read a method's rate-limit attributes see partial-mode methods.</summary>
/// <remarks>
/// A partial-mode method whose implementation the generator wrote is declared partly in generated
/// code, and with <c>GeneratedCodeAnalysisFlags.None</c> it is not analyzed at all: its misuse would
/// show in a test without the generator and vanish in a real build. Those analyzers therefore
/// analyze generated code (without reporting in it) and skip the implementation part here.
/// </remarks>
internal static class AttributedMethods
{
    /// <summary>
    /// False for the implementation part of a partial method, which carries the definition's
    /// attributes too: the method is analyzed once, as its definition.
    /// </summary>
    public static bool IsAnalyzedPart(IMethodSymbol method) => method.PartialDefinitionPart is null;
}
