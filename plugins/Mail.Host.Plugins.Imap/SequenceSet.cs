using System.Globalization;

namespace Mail.Host.Plugins.Imap;

/// <summary>A sequence set (<c>1,3:5,7:*</c>) or <c>$</c> (the saved search result, RFC 5182).</summary>
internal sealed class SequenceSet
{
    private SequenceSet(List<(uint First, uint Last)> ranges, bool saved)
    {
        Ranges = ranges;
        IsSaved = saved;
    }

    /// <summary>The ranges as written; <see cref="uint.MaxValue"/> stands for <c>*</c>.</summary>
    public List<(uint First, uint Last)> Ranges { get; }

    public bool IsSaved { get; }

    public static bool LooksLike(string atom)
        => atom == "$" || (atom.Length > 0 && (char.IsAsciiDigit(atom[0]) || atom[0] == '*'));

    public static SequenceSet Parse(string text)
    {
        if (text == "$")
        {
            return new SequenceSet([], saved: true);
        }

        var ranges = new List<(uint, uint)>();
        foreach (var part in text.Split(','))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                var n = Number(part);
                ranges.Add((n, n));
            }
            else
            {
                ranges.Add((Number(part[..colon]), Number(part[(colon + 1)..])));
            }
        }

        return new SequenceSet(ranges, saved: false);
    }

    /// <summary>True when <paramref name="value"/> is in the set, with <c>*</c> standing for <paramref name="star"/>.</summary>
    public bool Contains(uint value, uint star)
    {
        foreach (var (first, last) in Ranges)
        {
            var a = first == uint.MaxValue ? star : first;
            var b = last == uint.MaxValue ? star : last;
            if (a > b)
            {
                (a, b) = (b, a);
            }

            if (value >= a && value <= b)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The highest number named, with <c>*</c> as <paramref name="star"/>.</summary>
    public uint Max(uint star)
    {
        uint max = 0;
        foreach (var (first, last) in Ranges)
        {
            max = Math.Max(max, Math.Max(first == uint.MaxValue ? star : first, last == uint.MaxValue ? star : last));
        }

        return max;
    }

    private static uint Number(string text)
    {
        if (text == "*")
        {
            return uint.MaxValue;
        }

        if (text.Length is 0 or > 10 || text[0] == '0' || !uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value == uint.MaxValue)
        {
            throw new ImapParseException($"Invalid sequence set: '{text}'");
        }

        return value;
    }
}
