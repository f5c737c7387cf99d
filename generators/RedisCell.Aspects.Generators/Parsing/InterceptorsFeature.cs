using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Generators.Emitting;

namespace RedisCell.Aspects.Generators.Parsing;

/// <summary>
/// Whether the compiler accepts interceptors in <see cref="Emitter.GeneratedNamespace"/>, read from
/// the parse options exactly as the compiler reads them: the generator writes interceptors only then,
/// and RCA019 reports the project when it does not.
/// </summary>
internal static class InterceptorsFeature
{
    /// <summary>
    /// The only feature the compiler reads. MSBuild's <c>InterceptorsPreviewNamespaces</c> property is
    /// folded into it by the Csc task; a raw <c>InterceptorsPreviewNamespaces</c> feature is ignored by
    /// every compiler that can load this generator (Roslyn 4.14 and later), so it does not count.
    /// </summary>
    public const string FeatureName = "InterceptorsNamespaces";

    /// <summary>
    /// True when the feature lists the generated namespace or a namespace containing it. Entries are
    /// split on ';' and compared exactly, untrimmed, as the compiler does.
    /// </summary>
    public static bool IsEnabled(ParseOptions options)
    {
        foreach (KeyValuePair<string, string> feature in options.Features)
        {
            if (!string.Equals(feature.Key, FeatureName, StringComparison.OrdinalIgnoreCase)) continue;
            foreach (string entry in feature.Value.Split(';'))
            {
                if (entry == Emitter.GeneratedNamespace || (entry.Length > 0 && Emitter.GeneratedNamespace.StartsWith(entry + ".", StringComparison.Ordinal))) return true;
            }
        }

        return false;
    }
}
