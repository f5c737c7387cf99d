using System;
using System.Security.Cryptography;
using System.Text;

namespace RedisCell.Aspects.Keys;

/// <summary>Creates rate-limit keys from templates and caller values. See <see cref="RateLimitKeyBuilder"/>.</summary>
public static class RateLimitKey
{
    /// <summary>The longest key kept as written; longer keys are shortened with a hash.</summary>
    public const int MaxLength = 256;

    /// <summary>How a <see langword="null"/> value is written in a key.</summary>
    public const string NullValue = "%N";

    /// <summary>
    /// The key a template makes when it and its values are all empty (<c>"{id}"</c> with an empty
    /// <c>id</c>): an empty key cannot be stored, and no value escapes to this text.
    /// </summary>
    public const string EmptyKey = "%E";

    // Head kept readable in a shortened key, and the longest hash tag kept as it is.
    private const int ShortenedHeadLength = 64;
    private const int KeptHashTagLength = 64;

    // Precedes the hash of a shortened key. Escaping turns every '%' of a value into "%25", so no
    // value can produce it: a short key cannot be forged to equal a long key's shortened form.
    private const string ShortenedMarker = "%#";

    /// <summary>Builds a key from an interpolated template: literals as written, values escaped.</summary>
    /// <example><c>RateLimitKey.Create($"user:{userId}:orders")</c></example>
    public static string Create(ref RateLimitKeyBuilder template) => template.ToStringAndClear();

    /// <summary>Escapes one value so it can be placed in a key.</summary>
    public static string Escape(string? value)
    {
        if (value is { Length: 0 }) return value; // a value, not a whole key: EmptyKey does not apply
        var builder = new RateLimitKeyBuilder(0, 1, stackalloc char[128]);
        builder.AppendFormatted(value);
        return builder.ToStringAndClear();
    }

    internal static bool NeedsEscape(char c) => c is '%' or ':' or '{' or '}' || c < ' ' || c == '\u007F';

    internal static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'A' + value - 10);

    /// <summary>
    /// Returns <paramref name="key"/> as a string when it is short enough, else a shortened key:
    /// a readable head, the key's hash tag when it has one, <c>%#</c> and the SHA-256 of the whole key.
    /// </summary>
    internal static string Bound(ReadOnlySpan<char> key)
    {
        if (key.Length <= MaxLength) return key.ToString();

        var shortened = new StringBuilder(MaxLength);

        // Cutting between the halves of a surrogate pair would leave a lone surrogate, which Redis
        // stores as U+FFFD (and RedisCellLimiter refuses): the head then ends one character early.
        int head = char.IsHighSurrogate(key[ShortenedHeadLength - 1]) ? ShortenedHeadLength - 1 : ShortenedHeadLength;
        foreach (char c in key.Slice(0, head))
        {
            // The head must not open a hash tag of its own.
            shortened.Append(c is '{' or '}' ? '_' : c);
        }

        ReadOnlySpan<char> tag = HashTag(key);
        if (!tag.IsEmpty)
        {
            shortened.Append('{');
            if (tag.Length <= KeptHashTagLength) shortened.Append(tag);
            else shortened.Append(ShortenedMarker).Append(Sha256Hex(tag), 0, 32);
            shortened.Append('}');
        }

        return shortened.Append(ShortenedMarker).Append(Sha256Hex(key)).ToString();
    }

    /// <summary>The Redis Cluster hash tag of a key: the text between the first '{' and the next '}', when not empty.</summary>
    internal static ReadOnlySpan<char> HashTag(ReadOnlySpan<char> key)
    {
        int open = key.IndexOf('{');
        if (open < 0) return default;
        int close = key.Slice(open + 1).IndexOf('}');
        return close <= 0 ? default : key.Slice(open + 1, close);
    }

    private static string Sha256Hex(ReadOnlySpan<char> text)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(text.ToArray());
        return Convert.ToHexString(SHA256.HashData(utf8)).ToLowerInvariant();
    }
}
