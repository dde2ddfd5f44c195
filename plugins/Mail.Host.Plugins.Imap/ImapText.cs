using System.Globalization;
using System.Text;

namespace Mail.Host.Plugins.Imap;

/// <summary>Writes IMAP strings, dates and numbers into a response.</summary>
internal static class ImapText
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>
    /// Appends <paramref name="value"/> as a quoted string, as a literal when it holds CR, LF or NUL, or NIL. Without
    /// <paramref name="utf8"/>, non-ASCII text becomes an RFC 2047 encoded word.
    /// </summary>
    public static StringBuilder AppendString(this StringBuilder builder, string? value, bool utf8)
    {
        if (value is null)
        {
            return builder.Append("NIL");
        }

        if (!utf8 && !Ascii.IsValid(value))
        {
            value = "=?utf-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes(value)) + "?=";
        }

        if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            var clean = value.Replace("\0", string.Empty, StringComparison.Ordinal);
            return builder.Append('{').Append(Encoding.UTF8.GetByteCount(clean).ToString(CultureInfo.InvariantCulture)).Append("}\r\n").Append(clean);
        }

        builder.Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.Append('"');
    }

    /// <summary>Appends an astring: an atom when it can be one, otherwise a string.</summary>
    public static StringBuilder AppendAString(this StringBuilder builder, string value, bool utf8)
    {
        if (value.Length > 0 && IsAtom(value) && !value.Equals("NIL", StringComparison.OrdinalIgnoreCase))
        {
            return builder.Append(value);
        }

        return builder.AppendString(value, utf8);
    }

    public static bool IsAtom(string value)
    {
        foreach (var c in value)
        {
            if (c is <= ' ' or > '~' or '(' or ')' or '{' or '%' or '*' or '"' or '\\' or ']')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The IMAP date-time: <c>"17-Jul-1996 02:44:25 -0700"</c>.</summary>
    public static string DateTime(DateTimeOffset value)
    {
        var offset = value.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        offset = offset.Duration();
        return string.Create(CultureInfo.InvariantCulture, $"\"{value.Day:00}-{Months[value.Month - 1]}-{value.Year:0000} {value.Hour:00}:{value.Minute:00}:{value.Second:00} {sign}{offset.Hours:00}{offset.Minutes:00}\"");
    }

    /// <summary>An RFC 5322 date for ENVELOPE.</summary>
    public static string Rfc5322Date(DateTimeOffset value)
    {
        var offset = value.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        offset = offset.Duration();
        return string.Create(CultureInfo.InvariantCulture, $"{value.DayOfWeek.ToString()[..3]}, {value.Day} {Months[value.Month - 1]} {value.Year:0000} {value.Hour:00}:{value.Minute:00}:{value.Second:00} {sign}{offset.Hours:00}{offset.Minutes:00}");
    }

    /// <summary>Parses an IMAP date-time (APPEND) or date (SEARCH).</summary>
    public static bool TryParseDateTime(string text, out DateTimeOffset value)
    {
        text = text.Trim();
        return DateTimeOffset.TryParseExact(text, ["d-MMM-yyyy HH:mm:ss zzz", "d-MMM-yyyy HH:mm:ss zzzz"], CultureInfo.InvariantCulture, DateTimeStyles.None, out value)
            || TryParseWithNumericZone(text, out value);
    }

    public static bool TryParseDate(string text, out DateOnly value)
        => DateOnly.TryParseExact(text, "d-MMM-yyyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out value);

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static bool TryParseWithNumericZone(string text, out DateTimeOffset value)
    {
        value = default;
        var space = text.LastIndexOf(' ');
        if (space < 0 || text.Length - space != 6)
        {
            return false;
        }

        var zone = text[(space + 1)..];
        if (zone[0] is not ('+' or '-') || !int.TryParse(zone.AsSpan(1, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hours)
            || !int.TryParse(zone.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) || minutes > 59 || hours > 23)
        {
            return false;
        }

        if (!System.DateTime.TryParseExact(text[..space], "d-MMM-yyyy HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return false;
        }

        var offset = new TimeSpan(hours, minutes, 0);
        value = new DateTimeOffset(local, zone[0] == '-' ? -offset : offset);
        return true;
    }
}
