using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RedisCell.Aspects.DenyCache;
using RedisCell.Aspects.Redis;
using RedisCell.Aspects.Resilience;

namespace RedisCell.Aspects.DependencyInjection;

/// <summary>
/// Checks the options of every registered limiter when the host starts, so a typo in configuration
/// stops the application with a message naming the setting rather than surfacing on the first call.
/// </summary>
internal sealed class RedisCellOptionsValidator : IValidateOptions<RedisCellOptions>, IValidateOptions<RedisCellConnectionOptions>
{
    // Only what the configuration binder can set from a value: TimeProvider and LoggerFactory come
    // from the container, and a section named after them would bind nothing.
    private static readonly string[] s_limiterSettings = SettingsOf(typeof(RedisCellOptions));

    // The groups of RedisCellOptions, each bound from a section of its own name.
    private static readonly Dictionary<string, string[]> s_groups = new(StringComparer.OrdinalIgnoreCase)
    {
        [nameof(RedisCellOptions.Failure)] = SettingsOf(typeof(FailureOptions)),
        [nameof(RedisCellOptions.DenyCache)] = SettingsOf(typeof(DenyCacheOptions)),
    };

    // Settings that moved into a group, so a section written for the flat layout says where they went.
    private static readonly Dictionary<string, string> s_moved = new(StringComparer.OrdinalIgnoreCase)
    {
        ["FailurePolicy"] = "Failure:Mode",
        ["Timeout"] = "Failure:Timeout",
        ["BreakAfterFailures"] = "Failure:BreakAfterFailures",
        ["BreakDuration"] = "Failure:BreakDuration",
        ["LocalShare"] = "Failure:LocalShare",
        ["FailureLogInterval"] = "Failure:LogInterval",
        ["LocalDenyCacheCapacity"] = "DenyCache:Capacity",
    };

    private static readonly string[] s_storeSettings = [nameof(RedisCellConnectionOptions.Connection), nameof(RedisCellConnectionOptions.InProcess)];

    private readonly IServiceProvider _provider;
    private readonly RedisCellRegistry _registry;

    public RedisCellOptionsValidator(IServiceProvider provider, RedisCellRegistry registry)
    {
        _provider = provider;
        _registry = registry;
    }

    public ValidateOptionsResult Validate(string? name, RedisCellOptions options)
    {
        name ??= Options.DefaultName;
        if (!_registry.Contains(name)) return ValidateOptionsResult.Skip;
        string section = RedisCellBuilder.SectionPathFor(name);
        if (_provider.GetService<IConfiguration>() is { } configuration)
        {
            string[] unreadable = ConfigurationValues.Unreadable(section, configuration.GetSection(section)).ToArray();
            if (unreadable.Length > 0) return ValidateOptionsResult.Fail(unreadable);
        }

        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail($"{Where(section, ex.ParamName)}: {WithoutParameterName(ex)}");
        }

        return ValidateOptionsResult.Success;
    }

    public ValidateOptionsResult Validate(string? name, RedisCellConnectionOptions options)
    {
        name ??= Options.DefaultName;
        if (!_registry.Contains(name)) return ValidateOptionsResult.Skip;
        string section = RedisCellBuilder.SectionPathFor(name);

        // A value the binder could not read is reported once, with the limiter's other settings.
        IConfiguration? values = _provider.GetService<IConfiguration>();
        if (values is not null && ConfigurationValues.Unreadable(section, values.GetSection(section)).Any()) return ValidateOptionsResult.Skip;
        var failures = new List<string>();

        if (_provider.GetService<IConfiguration>() is { } configuration)
        {
            failures.AddRange(UnknownSettings(name, section, configuration.GetSection(section)));

            // Checked once, with the first limiter registered: a Limiters:{name} section exists
            // whether or not the default limiter is registered, and a misspelt name would otherwise
            // leave that limiter on another store without a word.
            if (name == _registry.Names[0]) failures.AddRange(UnregisteredLimiterSections(configuration));
        }

        if (options.InProcess && (!string.IsNullOrWhiteSpace(options.Connection) || options.ConnectionFactory is not null))
        {
            failures.Add($"{section}: InProcess is set together with a connection; choose one: InProcess keeps the limits in this process, a connection keeps them in Redis.");
        }
        else if (!options.InProcess && options.ConnectionFactory is null && options.Connection is { } connection)
        {
            if (string.IsNullOrWhiteSpace(connection))
            {
                failures.Add($"{section}:Connection is empty; give a StackExchange.Redis configuration string or a redis:// URL, or remove the setting.");
            }
            else
            {
                try
                {
                    RedisConnectionString.Parse(connection);
                }
                catch (ArgumentException ex)
                {
                    failures.Add($"{section}:Connection: {ex.Message}");
                }
            }
        }

        if (failures.Count == 0)
        {
            switch (LimiterFactory.Choose(_provider, name, options))
            {
                case StoreSource.None:
                    failures.Add(NoStoreMessage(name));
                    break;
                case StoreSource.Environment:
                    try
                    {
                        EnvironmentConnection.Read();
                    }
                    catch (RedisCellException ex)
                    {
                        failures.Add($"{section} takes its store from the environment, and {ex.Message}");
                    }

                    break;
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static string NoStoreMessage(string name)
    {
        string section = RedisCellBuilder.SectionPathFor(name);
        string registered = name.Length == 0 ? "register an IConnectionMultiplexer" : $"register an IConnectionMultiplexer (keyed '{name}' or not)";
        return $"Rate limiter {LimiterFactory.DisplayName(name)} has no store. Set {section}:Connection to a StackExchange.Redis configuration string or a redis:// URL, "
            + $"{registered}, set the REDIS_URL (or REDIS_HOST) environment variable, or set {section}:InProcess to true to keep the limits in this process.";
    }

    private IEnumerable<string> UnregisteredLimiterSections(IConfiguration configuration)
    {
        string limiters = $"{RedisCellServiceCollectionExtensions.ConfigurationSectionName}:Limiters";
        string[] named = _registry.Names.Where(n => n.Length > 0).ToArray();
        foreach (IConfigurationSection child in configuration.GetSection(limiters).GetChildren())
        {
            // Configuration keys ignore case, so RedisCell:Limiters:billing binds AddRedisCell("Billing").
            if (named.Contains(child.Key, StringComparer.OrdinalIgnoreCase)) continue;
            yield return $"{limiters}:{child.Key} configures no limiter: nothing is registered with AddRedisCell(\"{child.Key}\"), so its settings would be ignored. "
                + (named.Length == 0 ? "No named limiter is registered." : $"Registered named limiters: {string.Join(", ", named.Select(n => $"'{n}'"))}.");
        }
    }

    private static IEnumerable<string> UnknownSettings(string name, string path, IConfigurationSection section)
    {
        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (s_groups.TryGetValue(child.Key, out string[]? settings))
            {
                foreach (IConfigurationSection setting in child.GetChildren())
                {
                    if (settings.Contains(setting.Key, StringComparer.OrdinalIgnoreCase)) continue;
                    yield return $"{path}:{child.Key}:{setting.Key} is not a rate limiter setting. Known settings there: {string.Join(", ", settings)}.";
                }
            }
            else if (s_moved.TryGetValue(child.Key, out string? moved))
            {
                yield return $"{path}:{child.Key} is now {path}:{moved}.";
            }
            else if (!IsKnown(name, child.Key))
            {
                yield return $"{path}:{child.Key} is not a rate limiter setting. Known settings: {string.Join(", ", s_storeSettings.Concat(s_limiterSettings).Concat(s_groups.Keys))}"
                    + (name.Length == 0 ? ", and Limiters:{name} for named limiters." : ".");
            }
        }
    }

    private static string[] SettingsOf(Type options) => options
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanWrite && IsBoundFromAValue(p.PropertyType))
        .Select(p => p.Name)
        .ToArray();

    private static bool IsBoundFromAValue(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan);

    private static bool IsKnown(string name, string key) =>
        s_storeSettings.Contains(key, StringComparer.OrdinalIgnoreCase)
        || s_limiterSettings.Contains(key, StringComparer.OrdinalIgnoreCase)
        || (name.Length == 0 && key.Equals("Limiters", StringComparison.OrdinalIgnoreCase));

    // A group's setting is named Failure.Timeout in code and Failure:Timeout in configuration.
    private static string Where(string section, string? parameter) => parameter is null ? section : $"{section}:{parameter.Replace('.', ':')}";

    // ArgumentException.Message ends with " (Parameter 'x')"; the setting's path already says which.
    private static string WithoutParameterName(ArgumentException ex)
    {
        string suffix = ex.ParamName is null ? "" : $" (Parameter '{ex.ParamName}')";
        return suffix.Length > 0 && ex.Message.EndsWith(suffix, StringComparison.Ordinal) ? ex.Message[..^suffix.Length] : ex.Message;
    }
}
