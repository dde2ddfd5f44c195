namespace Mail.Host.Mail;

/// <summary>
/// The header fields of a message that IMAP ENVELOPE, JMAP Email properties, threading and sorting need, decoded
/// (RFC 2047 words and charsets resolved) when the message was stored.
/// </summary>
public sealed record MessageEnvelope
{
    /// <summary>The Date header, or <see langword="null"/> when absent or unreadable (JMAP <c>sentAt</c>).</summary>
    public DateTimeOffset? Date { get; init; }

    /// <summary>The Subject header, decoded, or <see langword="null"/> when absent.</summary>
    public string? Subject { get; init; }

    /// <summary>The From addresses.</summary>
    public IReadOnlyList<EmailAddress> From { get; init; } = [];

    /// <summary>The Sender addresses.</summary>
    public IReadOnlyList<EmailAddress> Sender { get; init; } = [];

    /// <summary>The Reply-To addresses.</summary>
    public IReadOnlyList<EmailAddress> ReplyTo { get; init; } = [];

    /// <summary>The To addresses.</summary>
    public IReadOnlyList<EmailAddress> To { get; init; } = [];

    /// <summary>The Cc addresses.</summary>
    public IReadOnlyList<EmailAddress> Cc { get; init; } = [];

    /// <summary>The Bcc addresses.</summary>
    public IReadOnlyList<EmailAddress> Bcc { get; init; } = [];

    /// <summary>The Message-ID, without angle brackets, or <see langword="null"/>.</summary>
    public string? MessageId { get; init; }

    /// <summary>The In-Reply-To message ids, without angle brackets.</summary>
    public IReadOnlyList<string> InReplyTo { get; init; } = [];

    /// <summary>The References message ids, without angle brackets, oldest first.</summary>
    public IReadOnlyList<string> References { get; init; } = [];

    /// <summary>
    /// The groups of the address fields, in header order (empty when the fields use no group syntax). Messages stored
    /// before groups were recorded have none.
    /// </summary>
    public IReadOnlyList<EmailAddressGroup> Groups { get; init; } = [];
}
