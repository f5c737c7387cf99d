using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Generators.Model;

namespace RedisCell.Aspects.Generators.Diagnostics;

/// <summary>A diagnostic as plain values: the descriptor, where, and the message arguments.</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> MessageArgs)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] messageArgs) =>
        new(descriptor, location, messageArgs.ToEquatableArray());

    public Diagnostic ToDiagnostic()
    {
        object[] args = new object[MessageArgs.Count];
        for (int i = 0; i < args.Length; i++) args[i] = MessageArgs[i];
        return Diagnostic.Create(Descriptor, Location?.ToLocation(), args);
    }
}
