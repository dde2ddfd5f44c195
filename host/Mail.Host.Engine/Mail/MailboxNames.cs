using System.Text;
using Mail.Host.Mail;

namespace Mail.Host.Engine.Mail;

/// <summary>The rules for mailbox names: full paths, case-sensitive except INBOX, no empty segment.</summary>
internal sealed class MailboxNames(char separator, int maxBytes)
{
    public const string Inbox = "INBOX";

    public char Separator { get; } = separator;

    /// <summary>Checks a name and returns its canonical spelling: a trailing separator dropped, INBOX in capitals.</summary>
    public string Canonical(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var trimmed = name.EndsWith(Separator) ? name[..^1] : name;
        if (trimmed.Length == 0)
        {
            throw Invalid(name, "it is empty");
        }

        for (var i = 0; i < trimmed.Length; i++)
        {
            var c = trimmed[i];
            if (char.IsHighSurrogate(c) && i + 1 < trimmed.Length && char.IsLowSurrogate(trimmed[i + 1]))
            {
                i++;
                continue;
            }

            // A lone surrogate would not survive UTF-8, so two names could share one key.
            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                throw Invalid(name, "it holds a control character or a broken character");
            }
        }

        var segments = trimmed.Split(Separator);
        if (segments.Any(s => s.Length == 0))
        {
            throw Invalid(name, "it has an empty level");
        }

        if (string.Equals(segments[0], Inbox, StringComparison.OrdinalIgnoreCase))
        {
            segments[0] = Inbox;
        }

        var canonical = string.Join(Separator, segments);
        if (Encoding.UTF8.GetByteCount(canonical) > maxBytes)
        {
            throw Invalid(name, $"it is longer than {maxBytes} bytes");
        }

        return canonical;
    }

    /// <summary>The parent's name, or <see langword="null"/> for a top-level name.</summary>
    public string? Parent(string canonical)
    {
        var at = canonical.LastIndexOf(Separator);
        return at < 0 ? null : canonical[..at];
    }

    /// <summary>The prefix every descendant's name starts with.</summary>
    public string ChildPrefix(string canonical) => canonical + Separator;

    private static MailException Invalid(string name, string why)
        => new(MailErrorCode.InvalidMailboxName, $"'{name}' cannot be a mailbox name: {why}.");
}
