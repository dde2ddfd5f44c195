namespace Mail.Host.Mail;

/// <summary>
/// A mailbox of an account with its counters as of one moment. The counters are maintained with every change, so
/// reading them costs one record read however many messages the mailbox holds.
/// </summary>
public sealed record Mailbox
{
    /// <summary>The mailbox's id, unique within its account and never reused (JMAP <c>id</c>).</summary>
    public required ulong Id { get; init; }

    /// <summary>
    /// The full path, segments joined by <see cref="IMailEngine.HierarchySeparator"/>, e.g. <c>Archive/2024</c>. Names are
    /// case-sensitive except <c>INBOX</c>, which is always spelled in capitals.
    /// </summary>
    public required string Name { get; init; }

    /// <summary>The parent mailbox's id, or <see langword="null"/> for a top-level mailbox (JMAP <c>parentId</c>).</summary>
    public ulong? ParentId { get; init; }

    /// <summary>The special use, if any.</summary>
    public MailboxRole Role { get; init; }

    /// <summary>Whether the account's owner is subscribed to it (IMAP LSUB / <c>\Subscribed</c>, JMAP <c>isSubscribed</c>).</summary>
    public bool IsSubscribed { get; init; }

    /// <summary>
    /// IMAP UIDVALIDITY: fixed for the life of the mailbox, kept across a rename, and different for a later mailbox
    /// created under a name this one had.
    /// </summary>
    public required uint UidValidity { get; init; }

    /// <summary>IMAP UIDNEXT: the UID the next message added will get; UIDs are never reused.</summary>
    public required uint UidNext { get; init; }

    /// <summary>IMAP HIGHESTMODSEQ (RFC 7162): the mod-sequence of the latest change to the mailbox or its messages.</summary>
    public required ulong HighestModSeq { get; init; }

    /// <summary>The number of messages (IMAP EXISTS / MESSAGES, JMAP <c>totalEmails</c>).</summary>
    public long TotalMessages { get; init; }

    /// <summary>The number of messages without <see cref="MailKeywords.Seen"/> (IMAP UNSEEN, JMAP <c>unreadEmails</c>).</summary>
    public long UnseenMessages { get; init; }

    /// <summary>The sum of the messages' sizes in bytes (IMAP STATUS SIZE, RFC 8438).</summary>
    public long Size { get; init; }
}
