using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;

namespace RedisCell.Aspects.Generators.Tests.Infrastructure;

/// <summary>
/// Compilations emitted to memory and loaded into one collectible context. What they reference
/// among themselves (a consumer's library) resolves inside it; everything else (the runtime library
/// above all) from the test's own context, so the code under test and the test share
/// <see cref="SharedLimiter.Current"/>.
/// </summary>
public sealed class LoadedAssembly : IDisposable
{
    private readonly AssemblyLoadContext _context;

    private LoadedAssembly(AssemblyLoadContext context, Assembly assembly)
    {
        _context = context;
        Assembly = assembly;
    }

    /// <summary>The last assembly loaded: the consumer.</summary>
    public Assembly Assembly { get; }

    /// <summary>Emits <paramref name="compilation"/> and loads it; fails with the errors if it does not compile.</summary>
    public static LoadedAssembly Load(Compilation compilation) => Load(Emit(compilation));

    /// <summary>Loads images in order (libraries first), each able to reference the ones before it.</summary>
    public static LoadedAssembly Load(params byte[][] images)
    {
        var context = new ImagesContext();
        Assembly? last = null;
        foreach (byte[] image in images) last = context.Add(image);
        return new LoadedAssembly(context, last!);
    }

    /// <summary>
    /// Emits <paramref name="compilation"/> to an image, failing with the errors if it does not
    /// compile. Referenced with <see cref="MetadataReference.CreateFromImage(System.Collections.Immutable.ImmutableArray{byte}, MetadataReferenceProperties, DocumentationProvider?, string?)"/>,
    /// another compilation sees its methods as metadata, as it would a package's.
    /// </summary>
    public static byte[] Emit(Compilation compilation)
    {
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        Assert.True(result.Success, "Emit failed:\n" + string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return image.ToArray();
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

    private sealed class ImagesContext() : AssemblyLoadContext("consumer-" + Guid.NewGuid().ToString("N"), isCollectible: true)
    {
        private readonly Dictionary<string, Assembly> _loaded = new(StringComparer.Ordinal);

        public Assembly Add(byte[] image)
        {
            Assembly assembly = LoadFromStream(new MemoryStream(image));
            _loaded.Add(assembly.GetName().Name!, assembly);
            return assembly;
        }

        // Null: not one of the images, so the default context (the test's) resolves it.
        protected override Assembly? Load(AssemblyName assemblyName) =>
            _loaded.TryGetValue(assemblyName.Name!, out Assembly? assembly) ? assembly : null;
    }
}
