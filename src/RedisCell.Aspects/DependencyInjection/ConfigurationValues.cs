using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Linq;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using RedisCell.Aspects.DenyCache;
using RedisCell.Aspects.Redis;
using RedisCell.Aspects.Resilience;

namespace RedisCell.Aspects.DependencyInjection;

/// <summary>
/// Finds the values of a <c>RedisCell</c> section that the configuration binder cannot convert, and
/// says what they should be: an enum's names, a number, a duration such as <c>00:00:00.250</c>.
/// </summary>
internal static class ConfigurationValues
{
    private static readonly (string Group, Type Options)[] s_shape =
    [
        ("", typeof(RedisCellConnectionOptions)),
        ("", typeof(RedisCellOptions)),
        (nameof(RedisCellOptions.Failure), typeof(FailureOptions)),
        (nameof(RedisCellOptions.DenyCache), typeof(DenyCacheOptions)),
    ];

    public static IEnumerable<string> Unreadable(string path, IConfigurationSection section)
    {
        foreach ((string group, Type options) in s_shape)
        {
            IConfigurationSection values = group.Length == 0 ? section : section.GetSection(group);
            string prefix = group.Length == 0 ? path : $"{path}:{group}";
            foreach (PropertyInfo property in options.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (!property.CanWrite || values[property.Name] is not { } value) continue;
                if (Expected(property.PropertyType, value) is { } expected) yield return $"{prefix}:{property.Name} is '{value}', which is not {expected}.";
            }
        }
    }

    // What a value of `type` looks like, when `value` is not one; null when it converts.
    private static string? Expected(Type type, string value)
    {
        if (type.IsEnum)
        {
            return Enum.TryParse(type, value, ignoreCase: true, out object? parsed) && Enum.IsDefined(type, parsed!)
                ? null
                : $"one of {string.Join(", ", Enum.GetNames(type))}";
        }

        TypeConverter converter = TypeDescriptor.GetConverter(type);
        try
        {
            converter.ConvertFromString(null, CultureInfo.InvariantCulture, value);
            return null;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or NotSupportedException || ex.InnerException is FormatException or OverflowException)
        {
            return type == typeof(TimeSpan) ? "a duration such as 00:00:00.250"
                : type == typeof(bool) ? "true or false"
                : type == typeof(double) ? "a number"
                : "a whole number";
        }
    }
}
