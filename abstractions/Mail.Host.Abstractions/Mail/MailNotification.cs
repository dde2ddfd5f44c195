namespace Mail.Host.Mail;

/// <summary>
/// An account changed (see <see cref="IMailEngine.SubscribeAsync"/>): what kinds of change happened since the previous
/// notification to the same subscription, and in which mailboxes. A notification is a hint to look again, not the
/// change itself: a protocol re-reads what it shows (an IMAP session its selected mailbox from its HIGHESTMODSEQ, a
/// JMAP push its states), so notifications that are merged or arrive late lose nothing.
/// </summary>
public sealed record MailNotification
{
    /// <summary>The account that changed.</summary>
    public required ulong AccountId { get; init; }

    /// <summary>The account's state after the changes (as <see cref="IMailAccount.GetStateAsync"/> gives it).</summary>
    public required string State { get; init; }

    /// <summary>The account's highest mod-sequence after the changes.</summary>
    public required ulong ModSeq { get; init; }

    /// <summary>The kinds of change, merged over every change since the previous notification.</summary>
    public required MailEventKinds Kinds { get; init; }

    /// <summary>
    /// The mailboxes whose messages, counters or attributes changed, ascending. A keyword change that moves no
    /// counter (a flag other than <c>$seen</c>) may leave this empty: such a change is reported through
    /// <see cref="MailEventKinds.MessagesChanged"/>, and a session compares its mailbox's HIGHESTMODSEQ.
    /// </summary>
    public IReadOnlyList<ulong> MailboxIds { get; init; } = [];

    /// <summary>
    /// The mailboxes whose metadata entries (RFC 5464) changed, ascending; 0 stands for the account's server entries.
    /// Empty unless <see cref="Kinds"/> has <see cref="MailEventKinds.MetadataChanged"/>.
    /// </summary>
    public IReadOnlyList<ulong> MetadataMailboxIds { get; init; } = [];
}
