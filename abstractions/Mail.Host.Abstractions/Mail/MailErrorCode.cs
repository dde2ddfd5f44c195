namespace Mail.Host.Mail;

/// <summary>Why an engine operation was refused (<see cref="MailException.Code"/>); protocols map each to their own code.</summary>
public enum MailErrorCode
{
    /// <summary>No mailbox with that id or name (IMAP <c>[NONEXISTENT]</c>, JMAP <c>notFound</c>).</summary>
    MailboxNotFound,

    /// <summary>A mailbox with that name already exists (IMAP <c>[ALREADYEXISTS]</c>, JMAP <c>invalidProperties</c>).</summary>
    MailboxAlreadyExists,

    /// <summary>The name is empty, has an empty segment, or is too long (IMAP <c>[CANNOT]</c>, JMAP <c>invalidProperties</c>).</summary>
    InvalidMailboxName,

    /// <summary>The mailbox has child mailboxes (IMAP <c>[INUSE]</c>, JMAP <c>mailboxHasChild</c>).</summary>
    MailboxHasChildren,

    /// <summary>The mailbox holds messages and removing them was not asked (JMAP <c>mailboxHasEmail</c>).</summary>
    MailboxNotEmpty,

    /// <summary>The operation is not allowed on INBOX, such as deleting it (IMAP <c>[CANNOT]</c>, JMAP <c>forbidden</c>).</summary>
    InboxRestricted,

    /// <summary>The account's role already belongs to another mailbox.</summary>
    RoleInUse,

    /// <summary>A keyword is not valid (see <see cref="MailKeywords.IsValid"/>).</summary>
    InvalidKeyword,

    /// <summary>
    /// The search filter uses a condition this search cannot answer: a text condition when the engine has no
    /// full-text index, or a UID or mod-sequence condition outside a mailbox search (JMAP <c>unsupportedFilter</c>,
    /// IMAP <c>NO [CANNOT]</c>).
    /// </summary>
    UnsupportedFilter,

    /// <summary>
    /// Other writers changed the account so often that the operation could not commit in its bounded retries
    /// (IMAP <c>NO [INUSE]</c>, JMAP <c>serverUnavailable</c>); trying again later can succeed.
    /// </summary>
    Conflict,

    /// <summary>
    /// The account lacks the right the operation needs on another account's mailbox (IMAP <c>[NOPERM]</c>, JMAP
    /// <c>forbidden</c>), or the operation is not open to a shared handle.
    /// </summary>
    NotPermitted,

    /// <summary>A metadata change would exceed the number of entries kept per mailbox or per server (IMAP <c>[METADATA TOOMANY]</c>).</summary>
    TooManyEntries,

    /// <summary>A metadata value is larger than the engine keeps (IMAP <c>[METADATA MAXSIZE n]</c>).</summary>
    ValueTooLarge,

    /// <summary>An argument is not valid: an unknown ACL identifier, a metadata entry name outside <c>/private</c> and <c>/shared</c>.</summary>
    InvalidArgument,

    /// <summary>The anchor of a paged email query is not among its results (JMAP <c>anchorNotFound</c>).</summary>
    AnchorNotFound,
}
