namespace Mail.Host.Engine.Mail;

/// <summary>What one item of a <see cref="ChangeEntry"/> records.</summary>
internal enum ChangeKind : byte
{
    EmailCreated = 1,
    EmailUpdated = 2,
    EmailDestroyed = 3,
    MailboxCreated = 4,
    MailboxUpdated = 5,
    MailboxDestroyed = 6,

    /// <summary>Only the mailbox's counters changed.</summary>
    MailboxCounters = 7,

    /// <summary>A thread gained or lost an email; the id is the thread's.</summary>
    ThreadUpdated = 8,

    /// <summary>Metadata entries (RFC 5464) of a mailbox changed; the id is the mailbox's, 0 for the server entries.</summary>
    MetadataChanged = 9,
}
