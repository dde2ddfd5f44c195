namespace Mail.Host.Mail;

/// <summary>What kinds of change a <see cref="MailNotification"/> reports; several can be set at once.</summary>
[Flags]
public enum MailEventKinds
{
    /// <summary>Nothing (never sent).</summary>
    None = 0,

    /// <summary>Emails were created: delivered, appended, imported, or copied into a mailbox as new emails.</summary>
    MessagesAdded = 1,

    /// <summary>Emails changed: keywords (flags), or the mailboxes they are in (copy, move, expunge from one of several).</summary>
    MessagesChanged = 2,

    /// <summary>Emails were destroyed: expunged from their last mailbox, or their mailbox was deleted.</summary>
    MessagesExpunged = 4,

    /// <summary>Mailboxes were created, renamed, deleted or (un)subscribed.</summary>
    MailboxesChanged = 8,

    /// <summary>The change log no longer covers the span since the last notification: assume anything changed.</summary>
    Unknown = 16,

    /// <summary>Metadata entries (RFC 5464) of mailboxes or of the server changed; see <see cref="MailNotification.MetadataMailboxIds"/>.</summary>
    MetadataChanged = 32,
}
