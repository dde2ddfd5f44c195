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
}
