using System;
using System.Globalization;
using StackExchange.Redis;

namespace RedisCell.Aspects.Redis;

/// <summary>
/// Reads the two forms a Redis connection is commonly written in: a StackExchange.Redis
/// configuration string (<c>host:6379,password=…,ssl=true</c>) and a URL
/// (<c>redis://user:password@host:6379/2?connectTimeout=500</c>, <c>rediss://</c> for TLS).
/// </summary>
internal static class RedisConnectionString
{
    /// <summary>Parses <paramref name="value"/> into StackExchange.Redis options.</summary>
    /// <param name="value">The URL or configuration string.</param>
    /// <param name="paramName">The public parameter the value came in, named by the exception; null
    /// when the value came from elsewhere (a variable, a setting) and the caller names its source.</param>
    /// <exception cref="ArgumentException">The value is empty or not a valid URL or configuration string.</exception>
    public static ConfigurationOptions Parse(string value, string? paramName = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, paramName);
        value = value.Trim();
        bool url = value.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase);
        if (!url && value.Contains("://", StringComparison.Ordinal))
        {
            // StackExchange.Redis would read "http://host:6520" as a host named "http".
            throw new ArgumentException($"'{value}' is a URL, but not a redis:// or rediss:// one.", paramName);
        }

        if (!url)
        {
            try
            {
                return ConfigurationOptions.Parse(value);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"'{value}' is neither a redis:// URL nor a StackExchange.Redis configuration string: {ex.Message}", paramName, ex);
            }
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new ArgumentException($"'{value}' is not a valid redis:// URL.", paramName);
        }

        var options = new ConfigurationOptions
        {
            Ssl = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase),
        };
        int port = uri.IsDefaultPort || uri.Port <= 0 ? 6379 : uri.Port;
        options.EndPoints.Add(uri.Host, port);
        if (options.Ssl) options.SslHost = uri.Host;

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            string[] parts = uri.UserInfo.Split(':', 2);
            string user = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                if (user.Length > 0) options.User = user;
                options.Password = Uri.UnescapeDataString(parts[1]);
            }
            else
            {
                // redis://secret@host: the lone user-info part is the password, as redis-cli reads it.
                options.Password = user;
            }
        }

        string path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            if (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out int database))
            {
                throw new ArgumentException($"'{path}' in '{value}' is not a database number.", paramName);
            }

            options.DefaultDatabase = database;
        }

        ReadQuery(uri.Query, value, paramName, options);
        return options;
    }

    // The settings a URL may carry as a query (?connectTimeout=500): milliseconds, as in a
    // configuration string.
    private static void ReadQuery(string query, string value, string? paramName, ConfigurationOptions options)
    {
        foreach (string pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = pair.Split('=', 2);
            string name = Uri.UnescapeDataString(parts[0]);
            string setting = parts.Length == 2 ? Uri.UnescapeDataString(parts[1]) : "";
            if (!name.Equals("connectTimeout", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"'{name}' in '{value}' is not a setting a redis:// URL takes here; only connectTimeout (milliseconds) is.", paramName);
            }

            if (!int.TryParse(setting, NumberStyles.None, CultureInfo.InvariantCulture, out int milliseconds) || milliseconds < 1)
            {
                throw new ArgumentException($"connectTimeout '{setting}' in '{value}' is not a number of milliseconds.", paramName);
            }

            options.ConnectTimeout = milliseconds;
        }
    }
}
