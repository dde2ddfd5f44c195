namespace Mail.Host.Mail;

/// <summary>
/// An email of an account: one stored message, in one or more of the account's mailboxes (JMAP <c>Email</c>).
/// </summary>
public sealed record Email
{
    /// <summary>The email's id, unique within its account and never reused.</summary>
    public required ulong Id { get; init; }

    /// <summary>The thread it belongs to (JMAP <c>threadId</c>): the id of the thread's first email.</summary>
    public required ulong ThreadId { get; init; }

    /// <summary>The raw message's blob id: the SHA-256 of its bytes in hex (JMAP <c>blobId</c>).</summary>
    public required string BlobId { get; init; }

    /// <summary>The raw message's size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>When it was received or appended (IMAP INTERNALDATE, JMAP <c>receivedAt</c>).</summary>
    public required DateTimeOffset InternalDate { get; init; }

    /// <summary>Its keywords, lower case, in ordinal order.</summary>
    public required IReadOnlyList<string> Keywords { get; init; }

    /// <summary>The mailboxes it is in and its UID in each (JMAP <c>mailboxIds</c>).</summary>
    public required IReadOnlyList<EmailMembership> Mailboxes { get; init; }

    /// <summary>The parsed headers, preview and body structure.</summary>
    public required MessageMetadata Metadata { get; init; }
}
