using System.Globalization;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// JMAP ids (RFC 8620 §1.2): a letter naming the kind of object, then the engine's number, so an id of one kind is
/// never mistaken for another (<c>A</c> account, <c>M</c> mailbox, <c>E</c> email, <c>T</c> thread, <c>I</c>
/// identity, <c>S</c> submission, <c>P</c> push subscription).
/// </summary>
internal static class JmapIds
{
    public static string Account(ulong id) => "A" + id.ToString(CultureInfo.InvariantCulture);

    public static string Mailbox(ulong id) => "M" + id.ToString(CultureInfo.InvariantCulture);

    public static string Email(ulong id) => "E" + id.ToString(CultureInfo.InvariantCulture);

    public static string Thread(ulong id) => "T" + id.ToString(CultureInfo.InvariantCulture);

    public static string Of(char kind, ulong id) => kind + id.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads an id of one kind.</summary>
    /// <param name="kind">The expected letter.</param>
    /// <param name="id">The id.</param>
    /// <param name="value">The number.</param>
    /// <returns>False for an id of another kind or not one of ours.</returns>
    public static bool TryParse(char kind, string? id, out ulong value)
    {
        value = 0;
        return id is { Length: > 1 and < 22 } && id[0] == kind && id[1] != '0'
            && ulong.TryParse(id.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out value) && value != 0;
    }

    /// <summary>Whether a string is a valid JMAP Id: 1 to 255 characters of the URL-safe base64 alphabet.</summary>
    public static bool IsValidId(string? id)
    {
        if (id is not { Length: > 0 and <= 255 })
        {
            return false;
        }

        foreach (var c in id)
        {
            if (c is not ((>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
