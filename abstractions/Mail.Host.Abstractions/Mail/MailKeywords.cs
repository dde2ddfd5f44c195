namespace Mail.Host.Mail;

/// <summary>
/// Keywords are JMAP keywords (RFC 8621 §4.1.1): case-insensitive, stored lower case. The IMAP system flags map to
/// the <c>$</c> keywords below: <c>\Seen</c> ↔ <c>$seen</c>, <c>\Answered</c> ↔ <c>$answered</c>, <c>\Flagged</c> ↔
/// <c>$flagged</c>, <c>\Draft</c> ↔ <c>$draft</c>, <c>\Deleted</c> ↔ <c>$deleted</c>. Any other IMAP keyword
/// (<c>$Forwarded</c>, <c>$Junk</c>, <c>NonJunk</c>…) is the same word in lower case. <c>\Recent</c> is not stored
/// (IMAP4rev2 dropped it). Keywords belong to the email, not to one of its mailboxes, so a change made through one
/// mailbox shows in every mailbox that holds the same email (the JMAP model).
/// </summary>
public static class MailKeywords
{
    /// <summary>The message has been read (IMAP <c>\Seen</c>).</summary>
    public const string Seen = "$seen";

    /// <summary>The message has been answered (IMAP <c>\Answered</c>).</summary>
    public const string Answered = "$answered";

    /// <summary>The message is flagged for attention (IMAP <c>\Flagged</c>).</summary>
    public const string Flagged = "$flagged";

    /// <summary>The message is a draft (IMAP <c>\Draft</c>).</summary>
    public const string Draft = "$draft";

    /// <summary>The message is marked for removal by the next expunge (IMAP <c>\Deleted</c>).</summary>
    public const string Deleted = "$deleted";

    /// <summary>The longest keyword accepted, in characters.</summary>
    public const int MaxLength = 255;

    /// <summary>Maps an IMAP flag or keyword to its keyword.</summary>
    /// <param name="imapFlag">An IMAP flag such as <c>\Seen</c> or a keyword such as <c>$Forwarded</c>.</param>
    /// <returns>The keyword, lower case.</returns>
    /// <exception cref="ArgumentException">The flag is not a valid keyword.</exception>
    public static string FromImap(string imapFlag)
    {
        ArgumentNullException.ThrowIfNull(imapFlag);
        if (imapFlag.StartsWith('\\'))
        {
            return imapFlag.ToUpperInvariant() switch
            {
                "\\SEEN" => Seen,
                "\\ANSWERED" => Answered,
                "\\FLAGGED" => Flagged,
                "\\DRAFT" => Draft,
                "\\DELETED" => Deleted,
                _ => throw new ArgumentException($"'{imapFlag}' is not an IMAP system flag that can be stored.", nameof(imapFlag)),
            };
        }

        return Normalize(imapFlag);
    }

    /// <summary>Maps a keyword to the IMAP flag or keyword that shows it.</summary>
    /// <param name="keyword">A keyword.</param>
    /// <returns>The IMAP system flag for the five system keywords; the keyword itself otherwise.</returns>
    public static string ToImap(string keyword)
    {
        ArgumentNullException.ThrowIfNull(keyword);
        return keyword switch
        {
            Seen => "\\Seen",
            Answered => "\\Answered",
            Flagged => "\\Flagged",
            Draft => "\\Draft",
            Deleted => "\\Deleted",
            _ => keyword,
        };
    }

    /// <summary>Tells whether a string can be a keyword: 1 to <see cref="MaxLength"/> printable ASCII characters, none of <c>( ) { ] % * " \</c> or space.</summary>
    /// <param name="keyword">The candidate.</param>
    /// <returns><see langword="true"/> when it can.</returns>
    public static bool IsValid(string? keyword)
    {
        if (string.IsNullOrEmpty(keyword) || keyword.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in keyword)
        {
            if (c is <= ' ' or > '~' or '(' or ')' or '{' or ']' or '%' or '*' or '"' or '\\')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Checks a keyword and returns it in lower case.</summary>
    /// <param name="keyword">The keyword.</param>
    /// <returns>The keyword, lower case.</returns>
    /// <exception cref="ArgumentException">The keyword is not valid (see <see cref="IsValid"/>).</exception>
    public static string Normalize(string keyword)
    {
        if (!IsValid(keyword))
        {
            throw new ArgumentException($"'{keyword}' is not a valid keyword.", nameof(keyword));
        }

        return keyword.ToLowerInvariant();
    }
}
