namespace Mail.Host.Mail;

/// <summary>
/// The special use of a mailbox (RFC 6154 for IMAP, the <c>role</c> property in JMAP, RFC 8621). Every account gets
/// one mailbox of each role except <see cref="None"/> on its first use; at most one mailbox of an account has each role.
/// </summary>
public enum MailboxRole
{
    /// <summary>An ordinary mailbox.</summary>
    None,

    /// <summary>Where new mail is delivered (IMAP <c>INBOX</c>, JMAP <c>inbox</c>); it cannot be deleted.</summary>
    Inbox,

    /// <summary>Drafts (IMAP <c>\Drafts</c>, JMAP <c>drafts</c>).</summary>
    Drafts,

    /// <summary>Sent mail (IMAP <c>\Sent</c>, JMAP <c>sent</c>).</summary>
    Sent,

    /// <summary>Deleted mail (IMAP <c>\Trash</c>, JMAP <c>trash</c>).</summary>
    Trash,

    /// <summary>Spam (IMAP <c>\Junk</c>, JMAP <c>junk</c>).</summary>
    Junk,

    /// <summary>Archived mail (IMAP <c>\Archive</c>, JMAP <c>archive</c>).</summary>
    Archive,
}
