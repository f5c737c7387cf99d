using System;
using System.Collections.Generic;
using System.Linq;

namespace RedisCell.Aspects.Generators.Parsing;

/// <summary>Picks the names a misspelt one most likely meant: RCA003 suggests them, and its code fix offers them.</summary>
internal static class ClosestName
{
    /// <summary>
    /// The candidates equal to <paramref name="name"/> ignoring case; else those at the smallest
    /// edit distance, when that distance is at most a third of the name's length (at least one
    /// edit); else none. Ties are all returned, so the user chooses.
    /// </summary>
    public static IReadOnlyList<string> For(string name, IEnumerable<string> candidates)
    {
        string[] distinct = candidates.Where(c => c.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        string[] sameIgnoringCase = distinct.Where(c => string.Equals(c, name, StringComparison.OrdinalIgnoreCase)).ToArray();
        if (sameIgnoringCase.Length > 0) return sameIgnoringCase;

        int allowed = Math.Max(1, name.Length / 3);
        var scored = distinct
            .Select(c => (Name: c, Distance: Distance(name.ToLowerInvariant(), c.ToLowerInvariant())))
            .Where(c => c.Distance <= allowed)
            .ToArray();
        if (scored.Length == 0) return Array.Empty<string>();
        int best = scored.Min(c => c.Distance);
        return scored.Where(c => c.Distance == best).Select(c => c.Name).ToArray();
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions.</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
