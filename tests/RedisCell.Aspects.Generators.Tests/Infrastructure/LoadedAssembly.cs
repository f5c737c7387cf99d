using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;

namespace RedisCell.Aspects.Generators.Tests.Infrastructure;

/// <summary>
/// A compilation emitted to memory and loaded into a collectible context. Everything it references
/// (the runtime library above all) resolves from the test's own context, so the code under test
/// and the test share <see cref="CellLimiter.Shared"/>.
/// </summary>
public sealed class LoadedAssembly : IDisposable
{
    private readonly AssemblyLoadContext _context;

    private LoadedAssembly(AssemblyLoadContext context, Assembly assembly)
    {
        _context = context;
        Assembly = assembly;
    }

    public Assembly Assembly { get; }

    /// <summary>Emits <paramref name="compilation"/> and loads it; fails with the errors if it does not compile.</summary>
    public static LoadedAssembly Load(Compilation compilation)
    {
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        Assert.True(result.Success, "Emit failed:\n" + string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        image.Position = 0;
        var context = new AssemblyLoadContext("consumer-" + Guid.NewGuid().ToString("N"), isCollectible: true);
        return new LoadedAssembly(context, context.LoadFromStream(image));
    }

    /// <summary>A public static method of a type in the loaded assembly, as a delegate.</summary>
    public TDelegate Method<TDelegate>(string typeName, string methodName)
        where TDelegate : Delegate
    {
        Type type = Assembly.GetType(typeName, throwOnError: true)!;
        MethodInfo method = type.GetMethod(methodName, BindingFlags.Public | BindingFlags.Static)
            ?? throw new InvalidOperationException($"{typeName}.{methodName} not found.");
        return method.CreateDelegate<TDelegate>();
    }

    public void Dispose() => _context.Unload();
}
