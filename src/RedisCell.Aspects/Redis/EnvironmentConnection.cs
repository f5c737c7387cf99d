using System;
using System.Globalization;
using System.Linq;
using StackExchange.Redis;

namespace RedisCell.Aspects.Redis;

/// <summary>
/// The Redis the environment names: <c>REDIS_URL</c>, or else <c>REDIS_HOST</c> / <c>REDIS_PORT</c>
/// (with <c>REDIS_DB</c> and <c>REDIS_PASSWORD</c>), the variables the Python decorator this library
/// mirrors reads.
/// </summary>
internal static class EnvironmentConnection
{
    public const string Url = "REDIS_URL";
    public const string Host = "REDIS_HOST";
    public const string Port = "REDIS_PORT";
    public const string Database = "REDIS_DB";
    public const string Password = "REDIS_PASSWORD";

    /// <summary>Whether the environment names a Redis at all: <c>REDIS_URL</c>, <c>REDIS_HOST</c> or <c>REDIS_PORT</c>.</summary>
    public static bool IsSet(Func<string, string?>? variables = null)
    {
        variables ??= Environment.GetEnvironmentVariable;
        return HasValue(variables(Url)) || HasValue(variables(Host)) || HasValue(variables(Port));
    }

    /// <summary>The connection the environment names, or <see langword="null"/> when it names none.</summary>
    /// <exception cref="RedisCellException">A variable holds something it cannot mean; the message names it.</exception>
    public static ConfigurationOptions? Read(Func<string, string?>? variables = null)
    {
        variables ??= Environment.GetEnvironmentVariable;
        string? url = variables(Url);
        if (HasValue(url))
        {
            try
            {
                return RedisConnectionString.Parse(url!);
            }
            catch (ArgumentException ex)
            {
                throw new RedisCellException($"{Url} is not a Redis connection: {ex.Message} Use redis://[user:password@]host[:port][/db] or a StackExchange.Redis configuration string.", innerException: ex);
            }
        }

        string? host = variables(Host), port = variables(Port);
        if (!HasValue(host) && !HasValue(port)) return null;
        var options = new ConfigurationOptions();
        options.EndPoints.Add(HasValue(host) ? host!.Trim() : "localhost", HasValue(port) ? PortNumber(port!) : 6379);
        string? database = variables(Database);
        if (HasValue(database)) options.DefaultDatabase = DatabaseNumber(database!);
        string? password = variables(Password);
        if (!string.IsNullOrEmpty(password)) options.Password = password;
        return options;
    }

    /// <summary>Where the environment points, without its password, for messages.</summary>
    public static string Describe(ConfigurationOptions configuration) =>
        string.Join(", ", configuration.EndPoints.Select(EndPointCollection.ToString));

    private static int PortNumber(string value) =>
        int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is >= 1 and <= 65535
            ? port
            : throw new RedisCellException($"{Port} is '{value}', which is not a port number (1 to 65535).");

    private static int DatabaseNumber(string value) =>
        int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int database)
            ? database
            : throw new RedisCellException($"{Database} is '{value}', which is not a database number (0 or more).");

    private static bool HasValue(string? value) => !string.IsNullOrWhiteSpace(value);
}
