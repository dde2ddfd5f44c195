namespace Mail.Host.Engine.Mail;

/// <summary>How a <see cref="MailEngine"/> behaves; the defaults suit a single server.</summary>
public sealed record MailEngineOptions
{
    /// <summary>The character separating the segments of mailbox names (default <c>/</c>).</summary>
    public char HierarchySeparator { get; init; } = '/';

    /// <summary>
    /// How long the change log is kept (default 30 days): asking for changes since an older state gives
    /// <see cref="Host.Mail.MailChanges.CannotCalculateChanges"/>, and VANISHED past it is reported incomplete.
    /// </summary>
    public TimeSpan ChangeRetention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long a delivery or append may hold a blob reference before it is recorded (default one hour); a reference
    /// older than this was left by a process that stopped, and garbage collection drops it.
    /// </summary>
    public TimeSpan PendingReferenceTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The most messages one commit changes (default 500). A larger copy, move, keyword change or expunge is applied
    /// as several atomic steps, each with its own mod-sequence, so no transaction outgrows what a backend accepts.
    /// </summary>
    public int MaxMessagesPerCommit { get; init; } = 500;

    /// <summary>
    /// How many times a write is tried when another process changed the same account first (default 10) before
    /// <see cref="Host.Mail.MailErrorCode.Conflict"/> is reported.
    /// </summary>
    public int MaxCommitAttempts { get; init; } = 10;

    /// <summary>Messages up to this size are held in memory while being stored; larger ones in a temporary file (default 1 MiB).</summary>
    public int SpoolMemoryThreshold { get; init; } = 1024 * 1024;

    /// <summary>
    /// Messages up to this size are kept in the data store rather than the blob store (default 32 KiB; 0 keeps every
    /// message in the blob store; never more than the data store's value limit). Their content is then written in the
    /// same synced commit that records the delivery's reference to it, which the data store groups with concurrent
    /// deliveries, instead of a separate durable write to the blob store per message.
    /// </summary>
    public int InlineMessageBytes { get; init; } = 32 * 1024;

    /// <summary>The longest mailbox name, in UTF-8 bytes (default 512).</summary>
    public int MaxMailboxNameBytes { get; init; } = 512;

    /// <summary>
    /// How often an account someone subscribed to is checked for changes made by other host processes, when the
    /// engine has no lookup store to hear them from (default 500 ms). One read of the account head per watched
    /// account per interval.
    /// </summary>
    public TimeSpan NotificationPollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How often a watched account is checked anyway when the lookup store's publish/subscribe carries notifications
    /// between processes (default 10 s), so a notification lost with an unreachable lookup store is only late.
    /// </summary>
    public TimeSpan NotificationSafetyPollInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many email records, across accounts, are kept in memory in received-date order for email queries (default
    /// 500,000; 0 turns the views off). A view is built on an account's first query and brought up to date from the
    /// change log before each later one, so it is correct with several host processes; the least recently queried
    /// accounts' views are dropped first. Without a view a query reads every email record of the account.
    /// </summary>
    public int QueryViewEmails { get; init; } = 500_000;

    /// <summary>
    /// Up to how many emails still in the running a substring condition (IMAP FROM, BODY, TEXT...) reads directly
    /// (default 64); with more, it first asks the full-text index which of them can match, and reads only those.
    /// </summary>
    public int SubstringDirectReads { get; init; } = 64;

    /// <summary>Throws when a setting is out of range.</summary>
    internal void Validate()
    {
        if (HierarchySeparator is < ' ' or '\x7f' || char.IsLetterOrDigit(HierarchySeparator))
        {
            throw new ArgumentException($"The hierarchy separator '{HierarchySeparator}' must be a printable character that is not a letter or digit.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ChangeRetention, TimeSpan.Zero, nameof(ChangeRetention));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PendingReferenceTimeout, TimeSpan.Zero, nameof(PendingReferenceTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessagesPerCommit, 1, nameof(MaxMessagesPerCommit));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxCommitAttempts, 1, nameof(MaxCommitAttempts));
        ArgumentOutOfRangeException.ThrowIfNegative(SpoolMemoryThreshold, nameof(SpoolMemoryThreshold));
        ArgumentOutOfRangeException.ThrowIfNegative(InlineMessageBytes, nameof(InlineMessageBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMailboxNameBytes, 1, nameof(MaxMailboxNameBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(NotificationPollInterval, TimeSpan.FromMilliseconds(10), nameof(NotificationPollInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(NotificationSafetyPollInterval, TimeSpan.FromMilliseconds(10), nameof(NotificationSafetyPollInterval));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxMailboxNameBytes, 900, nameof(MaxMailboxNameBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(QueryViewEmails, nameof(QueryViewEmails));
        ArgumentOutOfRangeException.ThrowIfLessThan(GroupMembershipCacheTime, TimeSpan.Zero, nameof(GroupMembershipCacheTime));
        ArgumentOutOfRangeException.ThrowIfNegative(SubstringDirectReads, nameof(SubstringDirectReads));
    }

    /// <summary>
    /// Whether a user reading another account's shared mailbox keeps its own <c>$seen</c> state (default
    /// <see langword="true"/>, as RFC 4314 allows and Dovecot and Cyrus do for shared folders): the reader's reads
    /// do not mark messages read for the owner or for other readers. When <see langword="false"/>, <c>$seen</c> is
    /// one flag shared by everyone who reads the mailbox.
    /// </summary>
    public bool PerUserSeenInSharedMailboxes { get; init; } = true;

    /// <summary>
    /// How long the groups a user belongs to (<see cref="MailEngine.MemberOf"/>) are kept before they are asked again
    /// (default 30 s): a user added to or removed from a group gains or loses the group's rights within this time.
    /// </summary>
    public TimeSpan GroupMembershipCacheTime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The most bytes of one metadata value (RFC 5464 entries of a mailbox or of the server).</summary>
    public int MaxMetadataValueBytes { get; init; } = 64 * 1024;

    /// <summary>The most metadata entries kept per mailbox and per server, counted separately for /shared and for each user's /private.</summary>
    public int MaxMetadataEntries { get; init; } = 100;
}
