using System;
using System.ComponentModel;
using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace RedisCell.Aspects.Keys;

/// <summary>
/// Builds a rate-limit key from a template's literal text and the caller's values, so that
/// <c>$"user:{userId}"</c> becomes a key no value can forge. For generated code and
/// <see cref="RateLimitKey.Create"/>; not meant to be named in application code.
/// </summary>
/// <remarks>
/// Literals are copied as written (a template may name a Redis Cluster hash tag); values are
/// formatted with the invariant culture and escaped (<c>%</c>, <c>:</c>, braces and control
/// characters become <c>%XX</c>, a lone surrogate <c>%uXXXX</c>, null <c>%N</c>), without boxing.
/// Keys over <see cref="RateLimitKey.MaxLength"/> are shortened with a SHA-256. Why each rule:
/// <c>docs/design/keys.md</c>.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
[InterpolatedStringHandler]
public ref struct RateLimitKeyBuilder
{
    // Past this a value's TryFormat is taken to fail for good, and its ToString is used.
    private const int MaxPooledFormat = 1 << 20;

    private char[]? _rented;
    private Span<char> _chars;
    private int _length;

    /// <summary>Creates a builder for an interpolated template.</summary>
    public RateLimitKeyBuilder(int literalLength, int formattedCount)
    {
        _rented = ArrayPool<char>.Shared.Rent(Math.Max(literalLength + (formattedCount * 16), 32));
        _chars = _rented;
        _length = 0;
    }

    /// <summary>Creates a builder that starts in <paramref name="initialBuffer"/> (typically stack memory).</summary>
    public RateLimitKeyBuilder(int literalLength, int formattedCount, Span<char> initialBuffer)
    {
        _rented = null;
        _chars = initialBuffer;
        _length = 0;
    }

    /// <summary>Appends template text as written.</summary>
    public void AppendLiteral(string value)
    {
        if (value is null) return;
        EnsureRoom(value.Length);
        value.AsSpan().CopyTo(_chars.Slice(_length));
        _length += value.Length;
    }

    /// <summary>Appends a value, escaped.</summary>
    public void AppendFormatted(string? value)
    {
        if (value is null)
        {
            AppendLiteral(RateLimitKey.NullValue);
            return;
        }

        AppendEscaped(value);
    }

    /// <summary>Appends a value, escaped.</summary>
    public void AppendFormatted(scoped ReadOnlySpan<char> value) => AppendEscaped(value);

    /// <summary>Appends a value formatted with the invariant culture, escaped.</summary>
    /// <remarks>
    /// Always compiled with full optimisation: only then does the JIT drop the boxing of value types
    /// in the interface tests below, and keys are built on every throttled call from the first one.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AppendFormatted<T>(T value)
    {
        if (value is null)
        {
            AppendLiteral(RateLimitKey.NullValue);
            return;
        }

        // For value types the JIT removes these type tests and calls TryFormat without boxing (as
        // long as the cast is only the call's receiver: a local of the interface type would box).
        if (value is ISpanFormattable)
        {
            Span<char> scratch = stackalloc char[64];
            if (((ISpanFormattable)value).TryFormat(scratch, out int written, default, CultureInfo.InvariantCulture))
            {
                AppendEscaped(scratch.Slice(0, written));
                return;
            }

            for (int size = scratch.Length * 4; size <= MaxPooledFormat; size *= 2)
            {
                char[] pooled = ArrayPool<char>.Shared.Rent(size);
                bool formatted = ((ISpanFormattable)value).TryFormat(pooled, out written, default, CultureInfo.InvariantCulture);
                if (formatted) AppendEscaped(pooled.AsSpan(0, written));
                ArrayPool<char>.Shared.Return(pooled);
                if (formatted) return;
            }
        }

        string? text = value is IFormattable
            ? ((IFormattable)value).ToString(null, CultureInfo.InvariantCulture)
            : value.ToString();
        AppendFormatted(text);
    }

    /// <summary>Appends an enum value as its name (its number when it has none), escaped, without boxing it.</summary>
    /// <remarks>
    /// Generated code calls this for enum values. <see cref="AppendFormatted{T}(T)"/> writes the same
    /// text, but through <see cref="Enum"/>'s <see cref="ISpanFormattable"/>, which needs the value
    /// boxed: an allocation on every call for a key such as <c>"tier:{tier}"</c>.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AppendEnum<TEnum>(TEnum value)
        where TEnum : struct, Enum
    {
        Span<char> scratch = stackalloc char[64];
        if (Enum.TryFormat(value, scratch, out int written))
        {
            AppendEscaped(scratch.Slice(0, written));
            return;
        }

        // A combination of flags with long names.
        for (int size = scratch.Length * 4; ; size *= 2)
        {
            char[] pooled = ArrayPool<char>.Shared.Rent(size);
            bool formatted = Enum.TryFormat(value, pooled, out written);
            if (formatted) AppendEscaped(pooled.AsSpan(0, written));
            ArrayPool<char>.Shared.Return(pooled);
            if (formatted) return;
        }
    }

    /// <summary>Returns the key (bounded to <see cref="RateLimitKey.MaxLength"/>; <see cref="RateLimitKey.EmptyKey"/> when nothing was appended) and releases the buffer.</summary>
    public string ToStringAndClear()
    {
        string key = _length == 0 ? RateLimitKey.EmptyKey : RateLimitKey.Bound(_chars.Slice(0, _length));
        char[]? rented = _rented;
        this = default;
        if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        return key;
    }

    private void AppendEscaped(scoped ReadOnlySpan<char> value)
    {
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (RateLimitKey.NeedsEscape(c))
            {
                EnsureRoom(3);
                _chars[_length++] = '%';
                _chars[_length++] = RateLimitKey.HexDigit(c >> 4);
                _chars[_length++] = RateLimitKey.HexDigit(c & 0xF);
            }
            else if (char.IsSurrogate(c) && !IsPairAt(value, i))
            {
                // Redis keys are UTF-8, where every lone surrogate becomes the same U+FFFD: written
                // as they are, "\uD800" and "\uDBFF" would be one key.
                EnsureRoom(6);
                _chars[_length++] = '%';
                _chars[_length++] = 'u';
                for (int shift = 12; shift >= 0; shift -= 4) _chars[_length++] = RateLimitKey.HexDigit((c >> shift) & 0xF);
            }
            else if (char.IsHighSurrogate(c))
            {
                EnsureRoom(2);
                _chars[_length++] = c;
                _chars[_length++] = value[++i];
            }
            else
            {
                EnsureRoom(1);
                _chars[_length++] = c;
            }
        }
    }

    private static bool IsPairAt(scoped ReadOnlySpan<char> value, int i) =>
        char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]);

    private void EnsureRoom(int count)
    {
        if (_length + count > _chars.Length) Grow(count);
    }

    private void Grow(int additional)
    {
        char[] bigger = ArrayPool<char>.Shared.Rent(Math.Max(_chars.Length * 2, _length + additional));
        _chars.Slice(0, _length).CopyTo(bigger);
        char[]? old = _rented;
        _rented = bigger;
        _chars = bigger;
        if (old is not null) ArrayPool<char>.Shared.Return(old);
    }
}
