namespace Mail.Host.Mail;

/// <summary>
/// What changed in an account since a state (JMAP <c>Email/changes</c> and <c>Mailbox/changes</c>, RFC 8620 §5.2).
/// An id is in at most one list: one created and then changed is only created; one changed and then destroyed is only
/// destroyed; one created and destroyed within the span is left out.
/// </summary>
public sealed record MailChanges
{
    /// <summary>The state the changes start from, as given.</summary>
    public required string OldState { get; init; }

    /// <summary>
    /// The state these changes lead to: the account's current state, or an intermediate one when
    /// <see cref="HasMoreChanges"/> is set.
    /// </summary>
    public required string NewState { get; init; }

    /// <summary>
    /// The old state is too old (past the change log's retention) or not a state of this account: the client must
    /// reload everything (JMAP <c>cannotCalculateChanges</c>). Every list is empty.
    /// </summary>
    public bool CannotCalculateChanges { get; init; }

    /// <summary>Whether more changes follow <see cref="NewState"/>; ask again from it.</summary>
    public bool HasMoreChanges { get; init; }

    /// <summary>Emails created since the old state.</summary>
    public IReadOnlyList<ulong> CreatedEmails { get; init; } = [];

    /// <summary>Emails whose keywords or mailboxes changed since the old state.</summary>
    public IReadOnlyList<ulong> UpdatedEmails { get; init; } = [];

    /// <summary>Emails destroyed since the old state.</summary>
    public IReadOnlyList<ulong> DestroyedEmails { get; init; } = [];

    /// <summary>Mailboxes created since the old state.</summary>
    public IReadOnlyList<ulong> CreatedMailboxes { get; init; } = [];

    /// <summary>Mailboxes renamed, re-subscribed or whose counters changed since the old state.</summary>
    public IReadOnlyList<ulong> UpdatedMailboxes { get; init; } = [];

    /// <summary>Mailboxes destroyed since the old state.</summary>
    public IReadOnlyList<ulong> DestroyedMailboxes { get; init; } = [];

    /// <summary>
    /// Threads that gained or lost an email since the old state (JMAP <c>Thread/changes</c>): a thread the client does
    /// not know was created, one with no email left (<see cref="IMailAccount.GetThreadAsync"/> is empty) was destroyed.
    /// A change to an email's keywords or mailboxes does not change its thread. Counted in <c>maxChanges</c> like the
    /// other lists.
    /// </summary>
    public IReadOnlyList<ulong> UpdatedThreads { get; init; } = [];

    /// <summary>
    /// Whether every mailbox in <see cref="UpdatedMailboxes"/> changed only in its counters (JMAP
    /// <c>updatedProperties</c> of <c>totalEmails</c>, <c>unreadEmails</c>, <c>totalThreads</c>, <c>unreadThreads</c>).
    /// </summary>
    public bool MailboxCountersOnly { get; init; }
}
