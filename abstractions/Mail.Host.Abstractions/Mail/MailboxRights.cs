namespace Mail.Host.Mail;

/// <summary>
/// The rights on a mailbox an access control list grants (RFC 4314 §2.1; each member names its IMAP letter). The owner
/// of a mailbox always has every right.
/// </summary>
[Flags]
public enum MailboxRights
{
    /// <summary>No right.</summary>
    None = 0,

    /// <summary><c>l</c>: the mailbox is visible (LIST, STATUS of its existence).</summary>
    Lookup = 1 << 0,

    /// <summary><c>r</c>: read the messages (SELECT, EXAMINE, FETCH, SEARCH, STATUS, COPY from it).</summary>
    Read = 1 << 1,

    /// <summary><c>s</c>: keep the <c>$seen</c> keyword (set or clear \Seen).</summary>
    Seen = 1 << 2,

    /// <summary><c>w</c>: write keywords other than <c>$seen</c> and <c>$deleted</c>.</summary>
    Write = 1 << 3,

    /// <summary><c>i</c>: insert messages (APPEND, COPY or MOVE into it).</summary>
    Insert = 1 << 4,

    /// <summary><c>p</c>: post to the mailbox's submission address (kept, not used by the engine).</summary>
    Post = 1 << 5,

    /// <summary><c>k</c>: create mailboxes below it, or rename one to below it.</summary>
    CreateMailbox = 1 << 6,

    /// <summary><c>x</c>: delete or rename the mailbox.</summary>
    DeleteMailbox = 1 << 7,

    /// <summary><c>t</c>: set or clear the <c>$deleted</c> keyword.</summary>
    DeleteMessages = 1 << 8,

    /// <summary><c>e</c>: expunge (EXPUNGE, CLOSE, MOVE out of it).</summary>
    Expunge = 1 << 9,

    /// <summary><c>a</c>: administer: read and change the mailbox's access control list.</summary>
    Administer = 1 << 10,

    /// <summary>Every right (what the owner has).</summary>
    All = Lookup | Read | Seen | Write | Insert | Post | CreateMailbox | DeleteMailbox | DeleteMessages | Expunge | Administer,
}
