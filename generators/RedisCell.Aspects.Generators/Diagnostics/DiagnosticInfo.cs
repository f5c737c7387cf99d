using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Generators.Model;

namespace RedisCell.Aspects.Generators.Diagnostics;

/// <summary>A diagnostic as plain values: the descriptor, where, and the message arguments.</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> MessageArgs)
{
    /// <summary>The diagnostic property that carries <see cref="Subject"/>.</summary>
    public const string SubjectProperty = "Subject";

    /// <summary>The diagnostic property that carries <see cref="Suggestions"/>, comma-separated.</summary>
    public const string SuggestionsProperty = "Suggestions";

    /// <summary>The name the diagnostic is about (an unknown parameter, say), for code fixes; null when none is needed.</summary>
    public string? Subject { get; init; }

    /// <summary>The names the message suggests instead of <see cref="Subject"/>, for code fixes to offer as they are.</summary>
    public EquatableArray<string> Suggestions { get; init; }

    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] messageArgs) =>
        new(descriptor, location, messageArgs.ToEquatableArray());

    public Diagnostic ToDiagnostic()
    {
        object[] args = new object[MessageArgs.Count];
        for (int i = 0; i < args.Length; i++) args[i] = MessageArgs[i];
        ImmutableDictionary<string, string?>? properties = Subject is null
            ? null
            : ImmutableDictionary<string, string?>.Empty.Add(SubjectProperty, Subject);
        if (!Suggestions.IsEmpty)
        {
            properties = (properties ?? ImmutableDictionary<string, string?>.Empty).Add(SuggestionsProperty, string.Join(",", Suggestions));
        }

        return Diagnostic.Create(Descriptor, Location?.ToLocation(), properties, args);
    }
}
